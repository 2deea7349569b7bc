"""What several kinds of community services share: locking, the people's rows and
roles, history, input cleaning, the refusals of ACC-10/CTY-6 and how a membership ends.

Private to ``communities.services``: the other apps call the services themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.staff import is_platform_staff
from communes.models import Follow
from communes.selectors import follow_of, is_validated_resident
from communities import notify
from communities.models import (
    REASON_MAX_LENGTH,
    Community,
    CommunityPage,
    HistoryEntry,
    Membership,
    MergeProposal,
)
from communities.selectors import can_act_as_referent

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

NAME_MAX_LENGTH = 120


# Sent before a community is deleted (last member gone), with ``community``.
community_deleted = Signal()


# --- helpers --------------------------------------------------------------------------


def lock_community(community: Community) -> Community:
    return Community.objects.select_for_update().select_related("commune").get(pk=community.pk)


def membership_row(community: Community, user: User, *, lock: bool = True) -> Membership | None:
    qs = Membership.objects.filter(community=community, user=user, status=Membership.Status.MEMBER)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def require_referent(by: User, community: Community) -> Membership:
    """``by``'s own membership row, locked, when they may act as a référent (CTY-7)."""
    if not can_act_as_referent(by, community):
        raise PermissionDenied(_("Only a référent of the community can do this."))
    membership = membership_row(community, by)
    if membership is None:  # no longer a member once locked (they left meanwhile)
        raise PermissionDenied(_("Only a référent of the community can do this."))
    return membership


def require_staff(by: User) -> None:
    if not is_platform_staff(by):
        raise PermissionDenied(_("Only the platform's staff can do this."))


def record_history(
    community: Community,
    kind: str,
    *,
    person: User | None = None,
    actor: User | None = None,
    **data: Any,
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        community=community, kind=kind, person=person, actor=actor, data=data
    )


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the community a name.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("Keep the name under %(count)s characters.") % {"count": NAME_MAX_LENGTH}}
        )
    return name


def clean_reason(reason: str, *, required: bool, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({field: _("Give a reason: the person will read it.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {field: _("Keep the reason under %(count)s characters.") % {"count": REASON_MAX_LENGTH}}
        )
    return reason


# --- what may be offered (the services' own checks, for pages and the API) --------------


def resident_refusal(user: User, commune: Commune) -> PermissionDenied | None:
    """ACC-10: only residents the town hall validated create or join a community."""
    if is_validated_resident(user, commune):
        return None
    follow = follow_of(user, commune)
    if follow is not None and follow.status == Follow.Status.PENDING:
        return PermissionDenied(
            _(
                "Your registration must first be validated by the town hall of %(commune)s: "
                "you will receive an email."
            )
            % {"commune": commune.name}
        )
    return PermissionDenied(
        _("The town hall must validate you as a resident of %(commune)s first.")
        % {"commune": commune.name}
    )


def current_refusal(current: Membership, *, creating: bool) -> ValidationError:
    """CTY-6: one community per account; says which one and what to do."""
    name = current.community.name
    if current.status == Membership.Status.PENDING:
        return ValidationError(
            _("Your request to join “%(name)s” is waiting for a decision: withdraw it first.")
            % {"name": name}
        )
    if creating:
        text = _("You are already a member of “%(name)s”: leave it to create another one.")
    else:
        text = _("You are already a member of “%(name)s”: leave it to join another one.")
    return ValidationError(text % {"name": name})


def community_delete(community: Community) -> None:
    """Delete a community and its page (its last member is gone, ACC-12)."""
    community_deleted.send(sender=Community, community=community)
    for page in CommunityPage.objects.filter(community=community):
        page.delete()
    MergeProposal.objects.filter(kept=community).delete()
    # A proposal that would have absorbed it cannot go on without it.
    MergeProposal.objects.filter(
        status__in=[MergeProposal.Status.OPEN, MergeProposal.Status.AGREED],
        sides__community=community,
    ).update(status=MergeProposal.Status.CANCELLED)
    community.delete()


def promote_successor(
    community: Community, *, leaving_pk: int, actor: User | None
) -> Membership | None:
    """The longest-standing remaining member becomes référent (CTY-7 invariant)."""
    successor = (
        Membership.objects.members()
        .select_for_update()
        .filter(community=community)
        .exclude(user_id=leaving_pk)
        .order_by("decided_at", "requested_at", "pk")
        .first()
    )
    if successor is None:
        return None
    successor.is_referent = True
    successor.save(update_fields=["is_referent"])
    record_history(
        community,
        HistoryEntry.Kind.REFERENT_GRANTED,
        person=successor.user,
        actor=actor,
        automatic=True,
    )
    transaction.on_commit(
        lambda: notify.referent_changed(successor.pk, "granted_automatically"), robust=True
    )
    return successor


def end_membership(
    community: Community, membership: Membership, *, status: str, actor: User | None, kind: str
) -> bool:
    """End ``membership``; returns True when the community was deleted (no member left)."""
    others = Membership.objects.members().filter(community=community).exclude(pk=membership.pk)
    if not others.exists():
        community_delete(community)
        return True
    was_referent = membership.is_referent
    membership.status = status
    membership.is_referent = False
    membership.show_photo_publicly = False
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "is_referent", "show_photo_publicly", "ended_at"])
    record_history(community, kind, person=membership.user, actor=actor)
    if was_referent and not others.filter(is_referent=True).exists():
        promote_successor(community, leaving_pk=membership.user_id, actor=actor)
    return False


def target_member(community: Community, user: User) -> Membership:
    membership = membership_row(community, user)
    if membership is None:
        raise ValidationError({"member": _("This person is not a member of the community.")})
    return membership
