"""Asking to join, deciding, withdrawing, leaving (CTY-4, CTY-6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import is_open_account
from communities import notify
from communities.models import Community, Exclusion, HistoryEntry, Membership
from communities.selectors import can_decide
from communities.services._common import (
    clean_reason,
    current_refusal,
    end_membership,
    lock_community,
    membership_row,
    record_history,
    require_staff,
    resident_refusal,
)

if TYPE_CHECKING:
    from accounts.models import User


def join_refusal(user: User, community: Community) -> Exception | None:
    """Why ``user`` may not ask to join ``community`` now, or None when they may.

    The checks of :func:`membership_request`, in its order, without writing: pages
    and the API offer "Ask to join" only when this is None, and say why otherwise.
    Someone whose request or membership is already this community's gets None
    (the request is theirs already).
    """
    if not is_open_account(user):
        return PermissionDenied(_("Log in to join a community."))
    refusal = resident_refusal(user, community.commune)
    if refusal is not None:
        return refusal
    current = (
        Membership.objects.filter(user=user, status__in=Membership.CURRENT)
        .select_related("community")
        .first()
    )
    if current is not None:
        return (
            None
            if current.community_id == community.pk
            else current_refusal(current, creating=False)
        )
    if Exclusion.objects.filter(
        community=community,
        member=user,
        status=Exclusion.Status.EXECUTED,
        lifted_at__isnull=True,
    ).exists():
        return PermissionDenied(
            _(
                "You were excluded from this community: only the platform's staff "
                "can let you ask again."
            )
        )
    if user.location is None or not community.area.contains(user.location):
        return ValidationError(
            _("Your home is outside this community: you can join only the community around it.")
        )
    return None


# --- membership (CTY-4, CTY-6) ---------------------------------------------------------------


@transaction.atomic
def membership_request(*, user: User, community: Community) -> Membership:
    """Ask to join; the home must lie inside the boundary and the place be free (CTY-6)."""
    if not is_open_account(user):
        raise PermissionDenied(_("Log in to join a community."))
    community = lock_community(community)
    refusal = join_refusal(user, community)
    if refusal is not None:
        raise refusal
    current = Membership.objects.filter(
        user=user, community=community, status__in=Membership.CURRENT
    ).first()
    if current is not None:  # asked already: the same request
        return current
    try:
        with transaction.atomic():
            membership = Membership.objects.create(community=community, user=user)
    except IntegrityError as exc:  # a second request raced this one
        raise ValidationError(
            _("You already belong to a community (or asked to join one).")
        ) from exc
    transaction.on_commit(lambda: notify.request_received(membership.pk), robust=True)
    return membership


@transaction.atomic
def membership_withdraw(*, user: User) -> bool:
    """Withdraw one's pending request; False when there was none."""
    updated = Membership.objects.filter(user=user, status=Membership.Status.PENDING).update(
        status=Membership.Status.WITHDRAWN, ended_at=timezone.now()
    )
    return bool(updated)


@transaction.atomic
def membership_decide(
    *, membership: Membership, by: User, accept: bool, reason: str = ""
) -> Membership:
    """Accept or refuse a pending request; a refusal carries a reason (CTY-4)."""
    community = lock_community(membership.community)
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("This request no longer exists."))
    locked.community = community
    if not can_decide(by, locked):
        raise PermissionDenied(_("You cannot decide on requests to join this community."))
    if locked.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been decided or withdrawn."))
    reason = clean_reason(reason, required=not accept)
    if accept and reason:
        raise ValidationError({"reason": _("Only a refusal carries a reason.")})
    if accept and (
        locked.user.location is None or not community.area.contains(locked.user.location)
    ):
        raise ValidationError(
            _("This person's home is no longer inside the community: refuse with a reason.")
        )
    now = timezone.now()
    locked.status = Membership.Status.MEMBER if accept else Membership.Status.REFUSED
    locked.decided_at = now
    locked.decided_by = by
    locked.refusal_reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])
    if accept:
        record_history(community, HistoryEntry.Kind.JOINED, person=locked.user, actor=by)
    transaction.on_commit(lambda: notify.request_decided(locked.pk), robust=True)
    return locked


@transaction.atomic
def membership_leave(*, user: User) -> bool:
    """Leave one's community (CTY-6). The last référent hands the role over first.

    Returns True when leaving deleted the community (its last member left).
    """
    current = Membership.objects.filter(user=user, status=Membership.Status.MEMBER).first()
    if current is None:
        raise ValidationError(_("You are not a member of a community."))
    community = lock_community(current.community)
    membership = membership_row(community, user)
    if membership is None:  # they left meanwhile (another request, under the lock)
        raise ValidationError(_("You are not a member of a community."))
    others = Membership.objects.members().filter(community=community).exclude(pk=membership.pk)
    if membership.is_referent and others.exists() and not others.filter(is_referent=True).exists():
        raise ValidationError(
            _(
                "You are the only référent: give the role to another member before leaving, "
                "so that the community keeps one."
            )
        )
    return end_membership(
        community,
        membership,
        status=Membership.Status.LEFT,
        actor=user,
        kind=HistoryEntry.Kind.LEFT,
    )


@transaction.atomic
def membership_overturn(*, by: User, user: User) -> Membership:
    """CTY-4: the platform's staff overturn ``user``'s last refusal (an appeal to the desk).

    Platform staff only. The person's last request must be a refusal and they must have
    no community now (CTY-6: one per account); their home must still lie inside the
    community. The refused request becomes a membership, as if accepted by ``by``: a
    history entry, the person's welcome, and a word to the community's référents.
    """
    require_staff(by)
    if not is_open_account(user):
        raise ValidationError(_("This account is closed."))
    current = (
        Membership.objects.filter(user=user, status__in=Membership.CURRENT)
        .select_related("community")
        .first()
    )
    if current is not None:
        text = (
            _("This person already asked to join “%(name)s”: nothing to overturn.")
            if current.status == Membership.Status.PENDING
            else _("This person is already a member of “%(name)s”: nothing to overturn.")
        )
        raise ValidationError(text % {"name": current.community.name})
    last = Membership.objects.filter(user=user).order_by("-requested_at", "-pk").first()
    if last is None or last.status != Membership.Status.REFUSED:
        raise ValidationError(_("This person's last request to join a community was not refused."))
    community = lock_community(last.community)
    locked = Membership.objects.select_for_update(of=("self",)).get(pk=last.pk)
    if locked.status != Membership.Status.REFUSED:  # changed meanwhile
        raise ValidationError(_("This person's last request to join a community was not refused."))
    if user.location is None or not community.area.contains(user.location):
        raise ValidationError(
            _("This person's home is no longer inside “%(name)s”.") % {"name": community.name}
        )
    now = timezone.now()
    locked.status = Membership.Status.MEMBER
    locked.decided_at = now
    locked.decided_by = by
    locked.refusal_reason = ""
    try:
        with transaction.atomic():
            locked.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])
    except IntegrityError as exc:  # another request or membership raced this one
        raise ValidationError(
            _("This person already belongs to a community (or asked to join one).")
        ) from exc
    record_history(
        community,
        HistoryEntry.Kind.JOINED,
        person=user,
        actor=by,
        overturned=True,
    )
    transaction.on_commit(lambda: notify.request_decided(locked.pk), robust=True)
    transaction.on_commit(lambda: notify.refusal_overturned(locked.pk), robust=True)
    locked.community = community
    return locked
