"""What a person sees of the town hall's polls: the list, access and the results rule
(POL-1, POL-2). Votes go through the real ballot box (``ballots.vote`` and ``tally``)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone, translation

from communes.models import Follow
from modules.polls import ballots
from modules.polls.models import Poll
from modules.polls.selectors import (
    access_poll,
    percentages,
    polls_for,
    results_of,
    unanswered_open_polls,
)
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.polls.conftest import cast, open_poll, voters

pytestmark = pytest.mark.django_db


def later(days: float):
    return time_machine.travel(timezone.now() + timedelta(days=days), tick=False)


# --- percentages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([12, 8], [60, 40]),
        ([1, 1, 1], [34, 33, 33]),  # ties in the remainder: the first listed
        ([2, 1, 0], [67, 33, 0]),
        ([0, 0], [0, 0]),  # nothing counted
        ([7, 0, 0, 0], [100, 0, 0, 0]),
        ([1, 1, 1, 1, 1, 1, 1], [15, 15, 14, 14, 14, 14, 14]),
    ],
)
def test_percentages_are_whole_and_add_up_to_100(counts, expected):
    assert percentages(counts) == expected


def test_percentages_always_add_up_to_100_and_a_choice_without_vote_is_0():
    rng = random.Random(18)
    for _round in range(300):
        counts = [rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 100]) for _ in range(rng.randint(2, 10))]
        shares = percentages(counts)
        if sum(counts):
            assert sum(shares) == 100
        for count, share in zip(counts, shares, strict=True):
            if count == 0:
                assert share == 0
            # never more than one point away from the exact share
            assert abs(share - 100 * count / max(sum(counts), 1)) < 1


# --- the list and access -------------------------------------------------------------


def test_the_list_puts_open_polls_first_then_closed_ones_upcoming_for_staff_only(
    commune, staff, resident
):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=30), tick=False):
        old = open_poll(commune, staff, question="Ancien", days=2)
        recent = open_poll(commune, staff, question="Récent", days=20)
    late = open_poll(commune, staff, question="Ferme tard", days=9)
    soon = open_poll(commune, staff, question="Ferme bientôt", days=3)
    upcoming = open_poll(commune, staff, question="À venir", opens_at=now + timedelta(days=2))
    assert list(polls_for(resident, commune)) == [soon, late, recent, old]
    assert list(polls_for(staff, commune)) == [soon, late, upcoming, recent, old]


def test_the_list_is_annotated_with_the_person_s_answer_and_participation(
    commune, staff, resident, neighbour
):
    poll = open_poll(commune, staff)
    other = open_poll(commune, staff, question="Autre")
    cast(poll, [resident, neighbour], "Oui")
    rows = {p.pk: p for p in polls_for(resident, commune)}
    assert (rows[poll.pk].has_voted, rows[poll.pk].participants) == (True, 2)
    assert (rows[other.pk].has_voted, rows[other.pk].participants) == (False, 0)


def test_access_answers_404_for_another_commune_missing_upcoming_and_hidden(
    commune, other_commune, staff, resident
):
    poll = open_poll(commune, staff)
    assert access_poll(resident, poll.pk, commune=commune) == poll
    with pytest.raises(Http404):
        access_poll(resident, poll.pk, commune=other_commune)  # not Cocody's
    with pytest.raises(Http404):
        access_poll(resident, 999_999, commune=commune)
    with pytest.raises(Http404):
        access_poll(resident, "abc", commune=commune)
    upcoming = open_poll(commune, staff, opens_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(Http404):
        access_poll(resident, upcoming.pk, commune=commune)
    assert access_poll(staff, upcoming.pk, commune=commune) == upcoming
    Poll.objects.filter(pk=poll.pk).update(hidden_at=timezone.now())  # moderation
    with pytest.raises(Http404):
        access_poll(resident, poll.pk, commune=commune)
    assert poll not in polls_for(resident, commune)
    assert access_poll(staff, poll.pk, commune=commune) == poll  # the town hall still sees it


# --- results -------------------------------------------------------------------------


def test_three_votes_show_nothing_but_the_first_tally_sentence(commune, staff, resident):
    poll = open_poll(commune, staff)
    cast(poll, [resident, *voters(commune, 2)], "Oui")
    results = results_of(poll, resident)
    assert (results.visible, results.code, results.rows) == (False, "first_tally", [])
    assert results.participants == 3
    assert results.total_counted == 0
    with translation.override("fr"):
        assert results_of(poll, resident).reason == "Résultats après 10 votes ou à la clôture"


def test_live_results_after_the_first_tally_for_those_who_voted_only(
    commune, staff, resident, neighbour
):
    poll = open_poll(commune, staff)
    cast(poll, [resident, *voters(commune, 5)], "Oui")
    cast(poll, voters(commune, 4, start=10), "Non")
    assert ballots.tally(poll.pk) == 10
    results = results_of(poll, resident)
    assert results.visible is True
    assert [(row.choice.label, row.count, row.percent) for row in results.rows] == [
        ("Oui", 6, 60),
        ("Non", 4, 40),
        ("Sans avis", 0, 0),
    ]
    assert (results.total_counted, results.participants, results.pending) == (10, 10, False)
    # Not answered yet: not shown (LIVE shows them once one has voted); the town hall's
    # staff follow them as a voter does.
    assert results_of(poll, neighbour).code == "after_vote"
    assert results_of(poll, staff).visible is True
    # An 11th vote waits for the next batch: the counts stay those of the 10.
    cast(poll, [neighbour], "Non")
    results = results_of(poll, neighbour)
    assert (results.total_counted, results.participants, results.pending) == (10, 11, True)
    assert [row.count for row in results.rows] == [6, 4, 0]


def test_at_closing_results_wait_for_the_closing_even_for_voters(commune, staff, resident):
    poll = open_poll(commune, staff, results=Poll.Results.AT_CLOSING, days=2)
    cast(poll, [resident, *voters(commune, 9)], "Non")
    ballots.tally(poll.pk)
    assert results_of(poll, resident).code == "at_closing"
    with later(3):
        shown = results_of(poll, resident)
        assert shown.visible is True
        assert [row.count for row in shown.rows] == [0, 10, 0]


def test_closed_with_ballots_not_counted_yet_says_counting_in_progress(
    commune, staff, resident, neighbour
):
    poll = open_poll(commune, staff, days=1)
    cast(poll, [resident, *voters(commune, 2)], "Oui")
    with later(2):
        results = results_of(poll, neighbour)
        assert (results.visible, results.code, results.pending) == (False, "counting", True)
        with translation.override("fr"):
            assert results_of(poll, neighbour).reason == "Dépouillement en cours"
        ballots.tally(poll.pk, closing=True)
        for person in (neighbour, resident, staff):  # everyone at closing, staff the same
            shown = results_of(poll, person)
            assert shown.visible is True
            assert [(row.count, row.percent) for row in shown.rows] == [(3, 100), (0, 0), (0, 0)]


def test_a_closed_poll_nobody_answered_shows_zero_everywhere(commune, staff, resident):
    poll = open_poll(commune, staff, days=1)
    with later(2):
        results = results_of(poll, resident)
    assert results.visible is True
    assert (results.total_counted, results.participants) == (0, 0)
    assert [row.percent for row in results.rows] == [0, 0, 0]


def test_visitors_and_pending_residents_get_no_results(commune, staff):
    poll = open_poll(commune, staff, days=1)
    waiting = UserFactory()
    pending(waiting, commune)
    with later(2):
        assert results_of(poll, waiting).code == "residents"
        from django.contrib.auth.models import AnonymousUser

        assert results_of(poll, AnonymousUser()).code == "residents"


# --- the pin's selector --------------------------------------------------------------


def test_unanswered_open_polls_in_one_query(
    commune, other_commune, staff, resident, django_assert_num_queries
):
    first = open_poll(commune, staff, question="Premier", days=2)
    second = open_poll(commune, staff, question="Second", days=5)
    answered = open_poll(commune, staff, question="Répondu")
    upcoming = open_poll(
        commune, staff, question="À venir", opens_at=timezone.now() + timedelta(days=1)
    )
    hidden = open_poll(commune, staff, question="Masqué")
    Poll.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    cast(answered, [resident], "Oui")
    elsewhere = validated(UserFactory(), other_commune)
    with django_assert_num_queries(1):
        assert unanswered_open_polls(resident, commune) == [first, second]
    assert unanswered_open_polls(elsewhere, commune) == []
    with later(3):  # the first closed, the upcoming one opened
        assert unanswered_open_polls(resident, commune) == [second, upcoming]


def test_unanswered_open_polls_none_for_visitors_pending_and_closed_accounts(
    commune, staff, resident, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    open_poll(commune, staff)
    waiting = UserFactory()
    pending(waiting, commune)
    with django_assert_num_queries(0):
        assert unanswered_open_polls(AnonymousUser(), commune) == []
    assert unanswered_open_polls(waiting, commune) == []
    Follow.objects.filter(user=resident).update(status=Follow.Status.REFUSED)
    assert unanswered_open_polls(resident, commune) == []
