"""The staff routes of the polls API (POL-1): /api/v1/communes/{slug}/polls/manage/."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import StaffRole
from modules.polls.ballots import tally, vote
from modules.polls.models import Poll
from modules.polls.services import poll_create
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.follows import grant, pending, root, validated

pytestmark = pytest.mark.django_db

BASE = "/api/v1/communes/saint-malo/polls/manage/"
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
LOCKED = ["Des habitants ont déjà voté : seule la date de clôture peut encore changer."]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def make_poll(commune, by, **kwargs):
    kwargs.setdefault("question", "Faut-il piétonniser la rue Jeanne-Jugan ?")
    kwargs.setdefault("choices", ["Oui", "Non"])
    kwargs.setdefault("opens_at", NOW - DAY)
    kwargs.setdefault("closes_at", NOW + 7 * DAY)
    return poll_create(commune=commune, by=by, **kwargs)


def test_staff_publish_a_poll_dates_read_in_the_commune_s_zone(commune, staff):
    response = token_client(staff).post(
        BASE,
        {
            "question": "Quel nom pour la médiathèque ?",
            "choices": ["Jules Verne", "Surcouf"],
            "closes_at": "2026-03-16T18:00:00",
            "results": "closing",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    poll = Poll.objects.get()
    assert body["id"] == poll.pk
    assert [c["label"] for c in body["choices"]] == ["Jules Verne", "Surcouf"]
    assert (body["status"], body["results"], body["participants"], body["locked"]) == (
        "open",
        "closing",
        0,
        False,
    )
    assert body["results_now"]["visible"] is False
    # No offset: 18:00 in Saint-Malo (UTC+1 in March).
    assert poll.closes_at == datetime.datetime(2026, 3, 16, 17, 0, tzinfo=datetime.UTC)
    assert poll.created_by == staff


def test_bad_input_is_400_by_field_in_french(commune, staff):
    response = token_client(staff).post(
        BASE,
        {"question": "Oui ou non ?", "choices": ["Oui", "oui"], "closes_at": "2026-03-01T10:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "choices": ["La réponse « oui » est donnée deux fois."],
        "closes_at": ["Le sondage doit se clore après son ouverture."],
    }
    assert not Poll.objects.exists()


def test_residents_get_403_with_a_message(commune, staff, resident):
    poll = make_poll(commune, staff)
    api = token_client(resident)
    for response in (
        api.get(BASE),
        api.post(BASE, {"question": "?", "choices": ["a", "b"]}, format="json"),
        api.get(f"{BASE}{poll.pk}/"),
        api.patch(f"{BASE}{poll.pk}/", {"closes_at": "2026-03-20T10:00Z"}, format="json"),
        api.post(f"{BASE}{poll.pk}/close/"),
        api.get(f"{BASE}{poll.pk}/results.csv"),
    ):
        assert response.status_code == 403
        assert response.json() == {"detail": "Seule l'équipe de la mairie gère les sondages."}
    poll.refresh_from_db()
    assert poll.closed_early_at is None


def test_pending_residents_technicians_and_visitors_are_refused(commune, staff, api_client):
    technician = UserFactory()
    grant(commune, technician, StaffRole.Role.TECHNICAL)
    newcomer = UserFactory()
    pending(newcomer, commune)
    assert token_client(technician).get(BASE).status_code == 403
    assert token_client(newcomer).get(BASE).status_code == 403
    assert api_client.get(BASE).status_code == 401


def test_another_commune_s_poll_is_404(commune, other_commune, staff):
    elsewhere = make_poll(other_commune, root())
    api = token_client(staff)
    assert api.get(f"{BASE}{elsewhere.pk}/").status_code == 404
    assert (
        api.patch(f"{BASE}{elsewhere.pk}/", {"closes_at": "2026-03-20T10:00Z"}).status_code == 404
    )
    assert api.post(f"{BASE}{elsewhere.pk}/close/").status_code == 404
    assert api.get(f"{BASE}{elsewhere.pk}/results.csv").status_code == 404
    assert api.get(f"{BASE}999999/").status_code == 404
    # Staff of Saint-Malo only manage Saint-Malo: Cocody's routes are 403.
    assert api.get("/api/v1/communes/cocody/polls/manage/").status_code == 403


def test_the_list_has_upcoming_and_hidden_polls_in_constant_queries(commune, staff):
    api = token_client(staff)
    upcoming = make_poll(commune, staff, question="À venir ?", opens_at=NOW + DAY)
    hidden = make_poll(commune, staff, question="Masqué ?")
    Poll.objects.filter(pk=hidden.pk).update(hidden_at=NOW)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(BASE)
            assert response.status_code == 200
        return len(queries)

    api.get(BASE)  # warm caches
    few = count()
    rows = api.get(BASE).json()["results"]
    assert {row["id"]: (row["status"], row["hidden"]) for row in rows} == {
        upcoming.pk: ("upcoming", False),
        hidden.pk: ("open", True),
    }
    for index in range(15):
        make_poll(commune, staff, question=f"Question {index} ?")
    assert count() == few


def test_patch_before_votes_then_only_the_closing(commune, staff, resident):
    poll = make_poll(commune, staff)
    api = token_client(staff)
    response = api.patch(
        f"{BASE}{poll.pk}/",
        {"question": "Piétonniser le dimanche ?", "choices": ["Oui", "Non", "L'été"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [c["label"] for c in response.json()["choices"]] == ["Oui", "Non", "L'été"]
    vote(poll=poll, user=resident, choice_id=poll.choices.first().pk)
    refused = api.patch(f"{BASE}{poll.pk}/", {"question": "Autre ?"}, format="json")
    assert (refused.status_code, refused.json()) == (400, {"question": LOCKED})
    moved = api.patch(
        f"{BASE}{poll.pk}/", {"closes_at": "2026-03-20T12:00:00+01:00"}, format="json"
    )
    assert moved.status_code == 200
    assert (moved.json()["locked"], moved.json()["participants"]) == (True, 1)
    poll.refresh_from_db()
    assert poll.closes_at == datetime.datetime(2026, 3, 20, 11, 0, tzinfo=datetime.UTC)
    assert poll.question == "Piétonniser le dimanche ?"


def test_close_now_then_again_is_400(commune, staff):
    poll = make_poll(commune, staff)
    api = token_client(staff)
    response = api.post(f"{BASE}{poll.pk}/close/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    poll.refresh_from_db()
    assert poll.closed_early_at is not None
    again = api.post(f"{BASE}{poll.pk}/close/")
    assert (again.status_code, again.json()) == (
        400,
        {"non_field_errors": ["Ce sondage est déjà clos."]},
    )


def test_csv_only_when_results_are_visible(commune, staff, frozen):
    poll = make_poll(commune, staff, choices=["Oui", "Non", "Sans avis"])
    oui, non, _sans = poll.choices.order_by("position")
    people = [validated(UserFactory(), commune) for _ in range(3)]
    for person, choice in zip(people, (oui, oui, non), strict=True):
        vote(poll=poll, user=person, choice_id=choice.pk)
    api = token_client(staff)
    early = api.get(f"{BASE}{poll.pk}/results.csv", HTTP_ACCEPT="text/csv")
    assert early.status_code == 409
    assert early.json()["detail"]  # the reason, as a sentence
    frozen.shift(8 * DAY)
    tally(poll.pk, closing=True)
    response = api.get(f"{BASE}{poll.pk}/results.csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8").split("\r\n") == [
        "\ufeffQuestion;Réponse;Votes;Pourcentage;Participation;Bulletins dépouillés",
        "Faut-il piétonniser la rue Jeanne-Jugan ?;Oui;2;67;3;3",
        "Faut-il piétonniser la rue Jeanne-Jugan ?;Non;1;33;3;3",
        "Faut-il piétonniser la rue Jeanne-Jugan ?;Sans avis;0;0;3;3",
        "",
    ]
    detail = api.get(f"{BASE}{poll.pk}/").json()
    assert detail["results_now"]["visible"] is True
    assert [row["votes"] for row in detail["results_now"]["rows"]] == [2, 1, 0]


def test_module_off_is_404(commune, staff):
    from communes.services import module_set_enabled

    module_set_enabled(by=root(), commune=commune, module="polls", enabled=False)
    assert token_client(staff).get(BASE).status_code == 404


def test_the_schema_documents_the_staff_routes(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for operation in (
        "polls_manage_list",
        "polls_manage_create",
        "polls_manage_retrieve",
        "polls_manage_partial_update",
        "polls_manage_close",
        "polls_manage_results_csv",
    ):
        assert operation in text
