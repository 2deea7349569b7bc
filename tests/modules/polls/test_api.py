"""The polls API (POL-1, POL-2): /api/v1/communes/{slug}/polls/."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from modules.polls import ballots
from modules.polls.models import Participation, PendingBallot, Poll
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.modules.polls.conftest import cast, choice_named, open_poll, voters

pytestmark = pytest.mark.django_db
BASE = "/api/v1/communes/saint-malo/polls/"


def later(days: float):
    return time_machine.travel(timezone.now() + timedelta(days=days), tick=False)


@pytest.fixture
def poll(commune, staff):
    return open_poll(commune, staff, description="Pour la sécurité des piétons.")


# --- list ----------------------------------------------------------------------------


def test_the_list_open_first_with_the_person_s_state(commune, staff, resident):
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        closed = open_poll(commune, staff, question="Ancien", days=2)
    answered = open_poll(commune, staff, question="Répondu", days=3)
    waiting = open_poll(commune, staff, question="En attente", days=5)
    upcoming = open_poll(commune, staff, question="Futur", opens_at=timezone.now() + timedelta(1))
    cast(answered, [resident], "Oui")
    response = token_client(resident).get(BASE)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [answered.pk, waiting.pk, closed.pk]
    state = {row["id"]: (row["status"], row["has_voted"], row["may_vote"]) for row in rows}
    assert state == {
        answered.pk: ("open", True, False),
        waiting.pk: ("open", False, True),
        closed.pk: ("closed", False, False),
    }
    assert rows[0]["participants"] == 1
    assert set(rows[0]) == {
        "id",
        "question",
        "description",
        "status",
        "opens_at",
        "closes_at",
        "closed_early",
        "results_shown",
        "participants",
        "has_voted",
        "may_vote",
    }
    staff_rows = token_client(staff).get(BASE).json()["results"]
    assert [row["id"] for row in staff_rows] == [answered.pk, waiting.pk, upcoming.pk, closed.pk]
    assert staff_rows[2]["status"] == "upcoming"
    assert all(row["may_vote"] is False for row in staff_rows)  # staff are not residents


def test_the_list_costs_the_same_queries_for_3_and_30_polls(commune, staff, resident):
    api = token_client(resident)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(BASE).status_code == 200
        return len(queries)

    for index in range(3):
        open_poll(commune, staff, question=f"Sondage {index}")
    api.get(BASE)  # warm caches (content types, the token's last use)
    three = count()
    for index in range(27):
        poll = open_poll(commune, staff, question=f"Sondage {index + 3}")
        if index % 3 == 0:
            cast(poll, [resident], "Oui")
    assert api.get(f"{BASE}?page_size=30").json()["count"] == 30
    with CaptureQueriesContext(connection) as queries:
        api.get(f"{BASE}?page_size=30")
    assert len(queries) == three


# --- detail and results --------------------------------------------------------------


def test_the_detail_has_the_choices_and_no_results_before_the_first_tally(poll, resident):
    api = token_client(resident)
    data = api.get(f"{BASE}{poll.pk}/").json()
    assert [c["label"] for c in data["choices"]] == ["Oui", "Non", "Sans avis"]
    assert data["results"] is None
    assert data["results_note"] == "Les résultats s’affichent une fois que vous avez répondu."
    cast(poll, [resident], "Oui")
    data = api.get(f"{BASE}{poll.pk}/").json()
    assert (data["has_voted"], data["may_vote"], data["results"]) == (True, False, None)
    assert data["results_note"] == "Résultats après 10 votes ou à la clôture"


def test_results_once_counted(commune, poll, resident):
    cast(poll, [resident, *voters(commune, 6)], "Non")
    cast(poll, voters(commune, 3, start=10), "Sans avis")
    ballots.tally(poll.pk)
    api = token_client(resident)
    data = api.get(f"{BASE}{poll.pk}/").json()
    assert data["results_note"] == ""
    assert data["results"]["total_counted"] == 10
    assert data["results"]["participants"] == 10
    assert [(r["label"], r["votes"], r["percent"]) for r in data["results"]["rows"]] == [
        ("Oui", 0, 0),
        ("Non", 7, 70),
        ("Sans avis", 3, 30),
    ]
    results = api.get(f"{BASE}{poll.pk}/results/").json()
    assert results["visible"] is True
    assert results["code"] == ""
    assert [r["votes"] for r in results["rows"]] == [0, 7, 3]


def test_the_results_endpoint_says_why_nothing_is_shown(commune, staff, resident):
    poll = open_poll(commune, staff, results=Poll.Results.AT_CLOSING, days=1)
    cast(poll, [resident], "Oui")
    api = token_client(resident)
    data = api.get(f"{BASE}{poll.pk}/results/").json()
    assert (data["visible"], data["code"], data["rows"]) == (False, "at_closing", [])
    assert data["participants"] == 1
    with later(2):
        data = api.get(f"{BASE}{poll.pk}/results/").json()
        assert (data["visible"], data["code"]) == (False, "counting")
        assert data["note"] == "Dépouillement en cours"
        ballots.tally(poll.pk, closing=True)
        data = api.get(f"{BASE}{poll.pk}/results/").json()
    assert data["visible"] is True
    assert [r["votes"] for r in data["rows"]] == [1, 0, 0]


# --- voting --------------------------------------------------------------------------


def test_vote_201_then_409(poll, resident):
    api = token_client(resident)
    choice = choice_named(poll, "Oui")
    response = api.post(f"{BASE}{poll.pk}/vote/", {"choice": choice.pk}, format="json")
    assert response.status_code == 201
    assert (response.json()["has_voted"], response.json()["may_vote"]) == (True, False)
    assert response.json()["participants"] == 1
    again = api.post(f"{BASE}{poll.pk}/vote/", {"choice": choice.pk}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "Vous avez déjà répondu à ce sondage."}
    assert again.json()["detail"] == str(ballots.REFUSALS["already_voted"])
    assert Participation.objects.filter(poll=poll).count() == 1
    assert PendingBallot.objects.filter(poll=poll).count() == 1


@pytest.mark.parametrize("payload", [{}, {"choice": "Oui"}, {"choice": 0}, {"choice": None}])
def test_a_missing_or_malformed_choice_is_400_on_its_field(poll, resident, payload):
    response = token_client(resident).post(f"{BASE}{poll.pk}/vote/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["choice"]
    assert not Participation.objects.exists()


def test_another_poll_s_choice_is_400(commune, staff, poll, resident):
    other = open_poll(commune, staff, question="Autre", choices=("A", "B"))
    response = token_client(resident).post(
        f"{BASE}{poll.pk}/vote/", {"choice": choice_named(other, "A").pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"choice": [str(ballots.REFUSALS["unknown_choice"])]}
    assert not Participation.objects.exists()


def test_a_closed_poll_is_403(poll, resident):
    with later(8):
        response = token_client(resident).post(
            f"{BASE}{poll.pk}/vote/", {"choice": choice_named(poll, "Oui").pk}, format="json"
        )
    assert response.status_code == 403
    assert response.json() == {"detail": str(ballots.REFUSALS["closed"])}
    assert not Participation.objects.exists()


def test_staff_who_are_not_residents_get_403(poll, staff):
    response = token_client(staff).post(
        f"{BASE}{poll.pk}/vote/", {"choice": choice_named(poll, "Oui").pk}, format="json"
    )
    assert response.status_code == 403
    assert not Participation.objects.exists()


# --- from the wrong side -------------------------------------------------------------


def test_pending_residents_and_visitors_are_refused(commune, poll):
    waiting = UserFactory()
    pending(waiting, commune)
    api = token_client(waiting)
    assert api.get(BASE).status_code == 403
    assert api.get(f"{BASE}{poll.pk}/").status_code == 403
    vote = api.post(f"{BASE}{poll.pk}/vote/", {"choice": poll.choices.first().pk}, format="json")
    assert vote.status_code == 403
    anonymous = APIClient()
    assert anonymous.get(BASE).status_code == 401
    assert anonymous.post(f"{BASE}{poll.pk}/vote/", {"choice": 1}, format="json").status_code == 401
    assert not Participation.objects.exists()


def test_another_commune_s_poll_is_404(other_commune, poll, resident):
    elsewhere = validated(UserFactory(), other_commune)
    api = token_client(elsewhere)
    cocody = f"/api/v1/communes/cocody/polls/{poll.pk}/"
    assert api.get(cocody).status_code == 404
    assert api.get(f"{cocody}results/").status_code == 404
    vote = api.post(f"{cocody}vote/", {"choice": poll.choices.first().pk}, format="json")
    assert vote.status_code == 404
    assert token_client(resident).get(f"{BASE}999999/").status_code == 404
    assert not Participation.objects.exists()


def test_upcoming_and_hidden_polls_are_404_for_residents(commune, staff, poll, resident):
    upcoming = open_poll(commune, staff, opens_at=timezone.now() + timedelta(days=1))
    api = token_client(resident)
    assert api.get(f"{BASE}{upcoming.pk}/").status_code == 404
    assert token_client(staff).get(f"{BASE}{upcoming.pk}/").status_code == 200
    Poll.objects.filter(pk=poll.pk).update(hidden_at=timezone.now())
    assert api.get(f"{BASE}{poll.pk}/").status_code == 404
    vote = api.post(f"{BASE}{poll.pk}/vote/", {"choice": poll.choices.first().pk}, format="json")
    assert vote.status_code == 404
    assert poll.pk not in [row["id"] for row in api.get(BASE).json()["results"]]
    assert not Participation.objects.exists()


def test_switched_off_the_api_is_404(commune, poll, resident):
    from tests.alerts import switch

    switch(commune, "polls", False)
    api = token_client(resident)
    assert api.get(BASE).status_code == 404
    vote = api.post(f"{BASE}{poll.pk}/vote/", {"choice": poll.choices.first().pk}, format="json")
    assert vote.status_code == 404
    assert not Participation.objects.exists()
