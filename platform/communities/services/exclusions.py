"""Exclusions (CTY-8): a référent asks, the platform's staff execute or reject, and
may lift an executed one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities import notify
from communities.models import Community, Exclusion, HistoryEntry, Membership
from communities.services._common import (
    clean_reason,
    end_membership,
    lock_community,
    membership_row,
    require_referent,
    require_staff,
    target_member,
)

if TYPE_CHECKING:
    from accounts.models import User

# --- exclusion (CTY-8) -------------------------------------------------------------------


@transaction.atomic
def exclusion_request(*, by: User, community: Community, member: User, reason: str) -> Exclusion:
    community = lock_community(community)
    require_referent(by, community)
    reason = clean_reason(reason, required=True)
    if member.pk == by.pk:
        raise ValidationError(
            {"member": _("You cannot ask for your own exclusion: leave instead.")}
        )
    target_member(community, member)
    if Exclusion.objects.filter(
        community=community, member=member, status=Exclusion.Status.REQUESTED
    ).exists():
        raise ValidationError({"member": _("An exclusion of this member is already requested.")})
    exclusion = Exclusion.objects.create(
        community=community, member=member, requested_by=by, reason=reason
    )
    transaction.on_commit(lambda: notify.exclusion_requested(exclusion.pk), robust=True)
    return exclusion


@transaction.atomic
def exclusion_decide(*, by: User, exclusion: Exclusion, execute: bool, note: str = "") -> Exclusion:
    """Platform staff execute (the member leaves, is told) or reject the request."""
    require_staff(by)
    community = lock_community(exclusion.community)
    exclusion = Exclusion.objects.select_for_update().get(pk=exclusion.pk)
    if exclusion.status != Exclusion.Status.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    note = clean_reason(note, required=False, field="staff_note")
    exclusion.decided_by = by
    exclusion.decided_at = timezone.now()
    exclusion.staff_note = note
    deleted = False
    if execute:
        membership = membership_row(community, exclusion.member)
        if membership is not None:
            deleted = end_membership(
                community,
                membership,
                status=Membership.Status.EXCLUDED,
                actor=by,
                kind=HistoryEntry.Kind.EXCLUDED,
            )
        exclusion.status = Exclusion.Status.EXECUTED
    else:
        exclusion.status = Exclusion.Status.REJECTED
    if not deleted:
        exclusion.save(update_fields=["status", "decided_by", "decided_at", "staff_note"])
    transaction.on_commit(
        lambda: notify.exclusion_decided(
            member_pk=exclusion.member_id,
            requested_by_pk=exclusion.requested_by_id,
            community_name=community.name,
            commune_pk=community.commune_id,
            executed=execute,
            reason=exclusion.reason,
        ),
        robust=True,
    )
    return exclusion


@transaction.atomic
def exclusion_lift(*, by: User, exclusion: Exclusion) -> Exclusion:
    """Let an excluded person ask to join this community again."""
    require_staff(by)
    exclusion = Exclusion.objects.select_for_update().get(pk=exclusion.pk)
    if exclusion.status != Exclusion.Status.EXECUTED or exclusion.lifted_at:
        raise ValidationError(_("Only an executed exclusion can be lifted."))
    exclusion.lifted_at = timezone.now()
    exclusion.save(update_fields=["lifted_at"])
    return exclusion


@transaction.atomic
def exclusion_by_moderation(
    *, by: User, community: Community, member: User, reason: str
) -> Exclusion:
    """Platform staff exclude a member after a moderation case (CNT-5): the CTY-8 path
    (an executed exclusion, liftable, in the history), without a référent's request."""
    require_staff(by)
    community = lock_community(community)
    reason = clean_reason(reason, required=True)
    target_member(community, member)
    exclusion = Exclusion.objects.create(
        community=community, member=member, requested_by=by, reason=reason
    )
    return exclusion_decide(by=by, exclusion=exclusion, execute=True, note=reason)
