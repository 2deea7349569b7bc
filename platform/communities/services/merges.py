"""Merges (CTY-12): a référent proposes to merge their community with one or more
others of the commune (2 to 6 in all, one of them kept); a référent of every community
agrees (the proposer's at once); the platform's staff execute."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

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
    MergeSide,
)
from communities.selectors import busy_in_merges, can_cancel_merge, merge_side_to_agree
from communities.services._common import (
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

MERGE_MAX_COMMUNITIES = 6
ACTIVE = (MergeProposal.Status.OPEN, MergeProposal.Status.AGREED)


@contextmanager
def _errors_on(field: str) -> Iterator[None]:
    """Report the errors of the fields ``absorbed`` and ``kept`` on ``field`` (the old
    two-community call names one field, ``other``)."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                (field if name in ("absorbed", "kept") else name): messages
                for name, messages in error.message_dict.items()
            }
        ) from None


def merge_propose(
    *,
    by: User,
    community: Community,
    kept: Community | None = None,
    absorbed: Sequence[Community] = (),
    other: Community | None = None,
    keep: str = "other",
) -> MergeProposal:
    """A référent of ``community`` proposes to merge ``absorbed`` into ``kept`` (their
    community is one of them; ``kept`` defaults to it). Their side agrees at once; the
    référents of the other sides are told.

    The old two-community call (``other``, and ``keep``: ``"other"`` when ``community``
    joins ``other``, anything else when ``other`` joins ``community``) still works, its
    errors on ``other``."""
    if other is not None:
        pair_kept, pair_absorbed = (other, community) if keep == "other" else (community, other)
        with _errors_on("other"):
            return _merge_propose(
                by=by, community=community, kept=pair_kept, absorbed=[pair_absorbed]
            )
    return _merge_propose(
        by=by, community=community, kept=kept or community, absorbed=list(absorbed)
    )


@transaction.atomic
def _merge_propose(
    *, by: User, community: Community, kept: Community, absorbed: list[Community]
) -> MergeProposal:
    if not absorbed:
        raise ValidationError({"absorbed": _("Choose at least one community to merge with.")})
    members = [kept, *absorbed]
    pks = [c.pk for c in members]
    if len(set(pks)) != len(pks):
        field = "kept" if pks.count(kept.pk) > 1 else "absorbed"
        raise ValidationError({field: _("Name each community only once.")})
    if len(pks) > MERGE_MAX_COMMUNITIES:
        raise ValidationError(
            {
                "absorbed": _("At most %(count)s communities can merge at once.")
                % {"count": MERGE_MAX_COMMUNITIES}
            }
        )
    if community.pk not in pks:
        raise ValidationError({"absorbed": _("Your community must be part of the merge.")})
    for c in members:
        if c.commune_id != community.commune_id:
            raise ValidationError(
                {
                    ("kept" if c.pk == kept.pk else "absorbed"): _(
                        "Only communities of the same commune can merge."
                    )
                }
            )
    # Every community locked in pk order: two proposals sharing one cannot both pass the
    # "already proposed" check, and cannot deadlock.
    locked = {
        c.pk: c for c in Community.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    missing = [c for c in members if c.pk not in locked]
    if missing:  # deleted since the form was shown
        raise ValidationError(
            {("kept" if missing[0].pk == kept.pk else "absorbed"): _("Choose another community.")}
        )
    require_referent(by, locked[community.pk])
    busy = busy_in_merges(pks)
    for c in members:
        if c.pk in busy:
            raise ValidationError(
                {
                    ("kept" if c.pk == kept.pk else "absorbed"): _(
                        "“%(name)s” is already part of another merge proposal."
                    )
                    % {"name": locked[c.pk].name}
                }
            )
    now = timezone.now()
    proposal = MergeProposal.objects.create(kept=kept, proposed_by=by, proposed_at=now)
    MergeSide.objects.bulk_create(
        [
            MergeSide(
                proposal=proposal,
                community_id=pk,
                community_name=locked[pk].name,
                agreed_by=by if pk == community.pk else None,
                agreed_at=now if pk == community.pk else None,
            )
            for pk in pks
        ]
    )
    transaction.on_commit(lambda: notify.merge_proposed(proposal.pk), robust=True)
    return proposal


@transaction.atomic
def merge_agree(*, by: User, proposal: MergeProposal) -> MergeProposal:
    """A référent agrees for their community; once every side agreed, the proposal waits
    for the platform's staff (they and every side's référents are told)."""
    proposal = (
        MergeProposal.objects.select_for_update(of=("self",))
        .prefetch_related("sides")
        .get(pk=proposal.pk)
    )
    if proposal.status != MergeProposal.Status.OPEN:
        raise ValidationError(_("This proposal is no longer open."))
    side = merge_side_to_agree(by, proposal)
    if side is None:
        raise PermissionDenied(_("A référent of the other community must agree."))
    side.agreed_by = by
    side.agreed_at = timezone.now()
    side.save(update_fields=["agreed_by", "agreed_at"])
    if proposal.all_agreed:
        proposal.status = MergeProposal.Status.AGREED
        proposal.save(update_fields=["status"])
        transaction.on_commit(lambda: notify.merge_agreed(proposal.pk), robust=True)
    return proposal


@transaction.atomic
def merge_cancel(*, by: User, proposal: MergeProposal) -> MergeProposal:
    proposal = (
        MergeProposal.objects.select_for_update(of=("self",))
        .prefetch_related("sides")
        .get(pk=proposal.pk)
    )
    if proposal.status not in ACTIVE:
        raise ValidationError(_("This proposal is no longer open."))
    if not can_cancel_merge(by, proposal):
        raise PermissionDenied(_("Only a référent of either community can cancel."))
    proposal.status = MergeProposal.Status.CANCELLED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


def _merged_area(kept: Community, absorbed: list[Community]) -> Polygon:
    """The union of every boundary, one polygon: grown from the kept community by each
    community that shares a border with what is already joined. A community left out
    is named (400 on ``area``)."""
    union = kept.area
    waiting = list(absorbed)
    grew = True
    while waiting and grew:
        grew = False
        for community in list(waiting):
            candidate = union.union(community.area)
            if isinstance(candidate, Polygon):
                union = candidate
                waiting.remove(community)
                grew = True
    if waiting:
        apart = min(waiting, key=lambda c: (c.name.casefold(), c.pk))
        raise ValidationError(
            {
                "area": _(
                    "“%(name)s” does not share a border with the other communities of the "
                    "merge: redraw it so that they touch, then merge."
                )
                % {"name": apart.name}
            }
        )
    union.srid = kept.area.srid
    return union


@transaction.atomic
def merge_execute(*, by: User, proposal: MergeProposal) -> Community:
    """Platform staff merge: members, history and content of every absorbed community move
    to the kept one; its boundary becomes the union of all."""
    require_staff(by)
    proposal = (
        MergeProposal.objects.select_for_update(of=("self",))
        .prefetch_related("sides")
        .get(pk=proposal.pk)
    )
    if proposal.status != MergeProposal.Status.AGREED or not proposal.all_agreed:
        raise ValidationError(_("The référents of every community must agree first."))
    sides = proposal.ordered_sides
    gone = [side for side in sides if side.community_id is None]
    if gone:
        raise ValidationError(
            _("“%(name)s” no longer exists: cancel this proposal.") % {"name": gone[0].name}
        )
    # Lock every community in a fixed order: two merges sharing one cannot deadlock.
    locked = {
        c.pk: c
        for c in Community.objects.select_for_update()
        .select_related("commune")
        .filter(pk__in=[side.community_id for side in sides])
        .order_by("pk")
    }
    kept = locked[proposal.kept_id]
    absorbed = [locked[cast(int, side.community_id)] for side in sides if not side.is_kept]
    union = _merged_area(kept, absorbed)
    cap_lifted = any(c.area_cap_lifted for c in locked.values())
    area_m2 = check_polygon(union, cap_lifted=cap_lifted)
    names = {side.community_id: side.community_name for side in sides}
    for community in absorbed:
        Membership.objects.filter(community=community).update(community=kept)
        HistoryEntry.objects.filter(community=community).update(community=kept)
        Exclusion.objects.filter(community=community).update(community=kept)
        Invitation.objects.filter(community=community).update(community=kept)
        community_merged.send(sender=Community, absorbed=community, kept=kept)
        for module in registry:  # installed modules, on or off: their rows must not cascade
            if module.community_merge is not None:
                import_string(module.community_merge)(absorbed=community, kept=kept)
    kept.area = union
    kept.area_m2 = area_m2
    kept.area_cap_lifted = cap_lifted
    kept.save(update_fields=["area", "area_m2", "area_cap_lifted"])
    now = timezone.now()
    for community in absorbed:
        record_history(
            kept,
            HistoryEntry.Kind.MERGED,
            actor=by,
            absorbed=community.name or names[community.pk],
        )
    proposal.status = MergeProposal.Status.EXECUTED
    proposal.decided_by = by
    proposal.decided_at = now
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    # Other proposals naming a community that is going away can no longer be carried out.
    MergeProposal.objects.filter(
        status__in=ACTIVE, sides__community__in=[c.pk for c in absorbed]
    ).exclude(pk=proposal.pk).update(status=MergeProposal.Status.CANCELLED, decided_at=now)
    # Each absorbed side keeps the name the community had when it went.
    for side in sides:
        if not side.is_kept:
            side.community_name = locked[cast(int, side.community_id)].name
    MergeSide.objects.bulk_update([s for s in sides if not s.is_kept], ["community_name"])
    for community in absorbed:
        for page in CommunityPage.objects.filter(community=community):
            page.delete()
        community.delete()
    showcase_page_sync(kept)
    return kept
