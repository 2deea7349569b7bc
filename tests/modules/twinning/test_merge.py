"""A community merged away hands its open twinnings over to the survivor (CTY-12 × TWN-1)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from communities import services as communities
from communities.models import Community, HistoryEntry
from modules.twinning import services
from modules.twinning.models import Twinning
from modules.twinning.selectors import is_twinned, pending_proposals
from tests.communities import SAINT_MALO, make_community, offset, referent_of
from tests.follows import root

pytestmark = pytest.mark.django_db


def merge_world(commune) -> SimpleNamespace:
    """``absorbed`` touches ``kept`` (400 m squares side by side); the others are within 2 km.

    Created in this order so that ids run: east < absorbed < d < kept < c. Moving the
    absorbed side's pair with ``d`` to ``kept`` then swaps the pair's sides (the
    ``community_a_id < community_b_id`` check).
    """
    east = make_community(commune, offset(SAINT_MALO, 400, 800), name="Rocabey")
    absorbed = make_community(commune, offset(SAINT_MALO, 400), name="Saint-Servan")
    d = make_community(commune, offset(SAINT_MALO, 2000), name="Paramé")
    kept = make_community(commune, SAINT_MALO, name="Intra-muros")
    c = make_community(commune, offset(SAINT_MALO, 1200), name="Rothéneuf")
    return SimpleNamespace(east=east, absorbed=absorbed, d=d, kept=kept, c=c)


def propose(one, other) -> Twinning:
    return services.twinning_propose(by=referent_of(one), community=one, other=other)


def accept(twinning: Twinning, answering) -> Twinning:
    return services.twinning_decide(by=referent_of(answering), twinning=twinning, accept=True)


def merge(w) -> Community:
    proposal = communities.merge_propose(
        by=referent_of(w.absorbed), community=w.absorbed, other=w.kept
    )
    proposal = communities.merge_agree(by=referent_of(w.kept), proposal=proposal)
    return communities.merge_execute(by=root(), proposal=proposal)


def test_open_twinnings_of_the_absorbed_community_move_to_the_survivor(commune):
    w = merge_world(commune)
    moved_active = accept(propose(w.absorbed, w.d), w.d)  # absorbed proposed it
    moved_pending = propose(w.east, w.absorbed)  # waiting for the absorbed side's answer
    duplicate = accept(propose(w.absorbed, w.c), w.c)  # the survivor has its own with c
    survivors_own = propose(w.kept, w.c)
    between = propose(w.absorbed, w.kept)  # the two merged communities

    kept = merge(w)

    assert kept == w.kept and not Community.objects.filter(pk=w.absorbed.pk).exists()
    moved_active.refresh_from_db()
    assert moved_active.status == Twinning.Status.ACTIVE
    assert (moved_active.community_a_id, moved_active.community_b_id) == (w.d.pk, w.kept.pk)
    assert moved_active.proposing_community_id == w.kept.pk  # it was the absorbed side
    assert moved_active.decided_by == referent_of(w.d)
    assert is_twinned(w.kept, w.d)

    moved_pending.refresh_from_db()
    assert moved_pending.status == Twinning.Status.PROPOSED
    assert (moved_pending.community_a_id, moved_pending.community_b_id) == (
        w.east.pk,
        w.kept.pk,
    )
    assert moved_pending.proposing_community_id == w.east.pk
    assert list(pending_proposals(w.kept)) == [moved_pending]

    # The survivor's own open twinning with c stays; the absorbed side's is dropped.
    assert not Twinning.objects.filter(pk__in=[duplicate.pk, between.pk]).exists()
    assert list(Twinning.objects.pair(w.kept, w.c)) == [survivors_own]
    assert not is_twinned(w.kept, w.c)
    assert Twinning.objects.count() == 3

    # The absorbed side's référent, now the survivor's, answers the moved proposal.
    accept(moved_pending, w.kept)
    assert is_twinned(w.kept, w.east)


def test_no_history_entry_is_added_but_the_absorbed_ones_move(commune):
    w = merge_world(commune)
    accept(propose(w.absorbed, w.d), w.d)
    before = HistoryEntry.objects.filter(kind=services.HISTORY_TWINNED).count()
    merge(w)
    entries = HistoryEntry.objects.filter(kind=services.HISTORY_TWINNED)
    assert entries.count() == before == 2
    assert entries.get(community=w.kept).data["other"] == "Paramé"


def test_past_twinnings_of_the_absorbed_community_go_with_it(commune):
    w = merge_world(commune)
    ended = services.twinning_end(
        by=referent_of(w.d), twinning=accept(propose(w.absorbed, w.d), w.d)
    )
    merge(w)
    assert not Twinning.objects.filter(pk=ended.pk).exists()
    assert propose(w.kept, w.d).status == Twinning.Status.PROPOSED  # the pair is free


def test_a_merge_without_twinnings_changes_nothing(commune):
    w = merge_world(commune)
    own = accept(propose(w.kept, w.c), w.c)
    assert services.twinnings_absorb(w.kept, w.absorbed) == 0
    merge(w)
    own.refresh_from_db()
    assert own.status == Twinning.Status.ACTIVE
    assert (own.community_a_id, own.community_b_id) == (w.kept.pk, w.c.pk)


def test_a_merge_of_three_hands_both_absorbed_communities_twinnings_over(commune):
    """The module's ``community_merge`` runs once per absorbed community (CTY-12)."""
    from tests.merges import strip

    kept, middle, end = strip(commune, ["Alpha", "Bravo", "Charlie"], members=0)
    (d,) = strip(commune, ["Delta"], north_m=1200, members=0)
    (e,) = strip(commune, ["Echo"], north_m=-1200, members=0)
    with_d = accept(propose(middle, d), d)
    with_e = accept(propose(end, e), e)
    between = accept(propose(middle, end), end)  # inside the merge: dropped

    proposal = communities.merge_propose(
        by=referent_of(kept), community=kept, absorbed=[middle, end]
    )
    communities.merge_agree(by=referent_of(middle), proposal=proposal)
    proposal = communities.merge_agree(by=referent_of(end), proposal=proposal)
    assert communities.merge_execute(by=root(), proposal=proposal) == kept

    assert is_twinned(kept, d) and is_twinned(kept, e)
    assert set(Twinning.objects.values_list("pk", flat=True)) == {with_d.pk, with_e.pk}
    assert not Twinning.objects.filter(pk=between.pk).exists()
