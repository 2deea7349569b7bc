"""Merges (CTY-12): a référent proposes, the other side's référent agrees, the
platform's staff execute."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.gis.geos import Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from communities import notify
from communities.geo import check_polygon
from communities.models import (
    Community,
    CommunityPage,
    Exclusion,
    HistoryEntry,
    Invitation,
    Membership,
    MergeProposal,
)
from communities.selectors import can_cancel_merge, merge_side_to_agree
from communities.services._common import (
    lock_community,
    record_history,
    require_referent,
    require_staff,
)
from communities.services.community import showcase_page_sync
from core.modules import registry

if TYPE_CHECKING:
    from accounts.models import User

# Sent inside the merge transaction once members and history have moved, with
# ``absorbed`` and ``kept``: core apps holding content of a community move it. A module
# declares ``community_merge`` on its PlatformModule instead (run just after).
community_merged = Signal()


# --- merge (CTY-12) -------------------------------------------------------------------------


@transaction.atomic
def merge_propose(
    *, by: User, community: Community, other: Community, keep: str = "other"
) -> MergeProposal:
    """A référent proposes to merge two neighbouring communities; their side agrees at once."""
    community = lock_community(community)
    require_referent(by, community)
    if other.pk == community.pk:
        raise ValidationError({"other": _("Choose another community.")})
    if other.commune_id != community.commune_id:
        raise ValidationError({"other": _("Only communities of the same commune can merge.")})
    absorbed, kept = (community, other) if keep == "other" else (other, community)
    if MergeProposal.objects.filter(
        status__in=[MergeProposal.Status.OPEN, MergeProposal.Status.AGREED],
        absorbed__in=[community, other],
        kept__in=[community, other],
    ).exists():
        raise ValidationError({"other": _("A merge of these communities is already proposed.")})
    proposal = MergeProposal.objects.create(
        absorbed=absorbed,
        kept=kept,
        absorbed_name=absorbed.name,
        proposed_by=by,
        absorbed_agreed_by=by if absorbed.pk == community.pk else None,
        kept_agreed_by=by if kept.pk == community.pk else None,
    )
    return proposal


@transaction.atomic
def merge_agree(*, by: User, proposal: MergeProposal) -> MergeProposal:
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != MergeProposal.Status.OPEN:
        raise ValidationError(_("This proposal is no longer open."))
    side = merge_side_to_agree(by, proposal)
    if side == "absorbed":
        proposal.absorbed_agreed_by = by
    elif side == "kept":
        proposal.kept_agreed_by = by
    else:
        raise PermissionDenied(_("A référent of the other community must agree."))
    if proposal.absorbed_agreed_by_id and proposal.kept_agreed_by_id:
        proposal.status = MergeProposal.Status.AGREED
        transaction.on_commit(lambda: notify.merge_agreed(proposal.pk), robust=True)
    proposal.save()
    return proposal


@transaction.atomic
def merge_cancel(*, by: User, proposal: MergeProposal) -> MergeProposal:
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in (MergeProposal.Status.OPEN, MergeProposal.Status.AGREED):
        raise ValidationError(_("This proposal is no longer open."))
    if not can_cancel_merge(by, proposal):
        raise PermissionDenied(_("Only a référent of either community can cancel."))
    proposal.status = MergeProposal.Status.CANCELLED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


@transaction.atomic
def merge_execute(*, by: User, proposal: MergeProposal) -> Community:
    """Platform staff merge: members, history and content move; the boundary is the union."""
    require_staff(by)
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != MergeProposal.Status.AGREED or proposal.absorbed is None:
        raise ValidationError(_("Both communities' référents must agree first."))
    # Lock both rows in a fixed order: two opposite merges cannot deadlock.
    locked = {
        c.pk: c
        for c in Community.objects.select_for_update()
        .select_related("commune")
        .filter(pk__in=[proposal.kept_id, proposal.absorbed_id])
        .order_by("pk")
    }
    kept, absorbed = locked[proposal.kept_id], locked[proposal.absorbed.pk]
    union = kept.area.union(absorbed.area)
    if not isinstance(union, Polygon):
        raise ValidationError(
            {
                "area": _(
                    "These communities do not share a border: redraw one of them so that "
                    "they touch, then merge."
                )
            }
        )
    union.srid = kept.area.srid
    area_m2 = check_polygon(union, cap_lifted=kept.area_cap_lifted or absorbed.area_cap_lifted)
    Membership.objects.filter(community=absorbed).update(community=kept)
    HistoryEntry.objects.filter(community=absorbed).update(community=kept)
    Exclusion.objects.filter(community=absorbed).update(community=kept)
    Invitation.objects.filter(community=absorbed).update(community=kept)
    community_merged.send(sender=Community, absorbed=absorbed, kept=kept)
    for module in registry:  # installed modules, on or off: their rows must not cascade
        if module.community_merge is not None:
            import_string(module.community_merge)(absorbed=absorbed, kept=kept)
    kept.area = union
    kept.area_m2 = area_m2
    kept.area_cap_lifted = kept.area_cap_lifted or absorbed.area_cap_lifted
    kept.save(update_fields=["area", "area_m2", "area_cap_lifted"])
    record_history(kept, HistoryEntry.Kind.MERGED, actor=by, absorbed=proposal.absorbed_name)
    proposal.status = MergeProposal.Status.EXECUTED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    MergeProposal.objects.filter(absorbed=absorbed).exclude(pk=proposal.pk).update(
        status=MergeProposal.Status.CANCELLED
    )
    for page in CommunityPage.objects.filter(community=absorbed):
        page.delete()
    absorbed.delete()
    showcase_page_sync(kept)
    return kept
