"""The support desk's API (/api/v1/support/): a person's and a visitor's requests, replies,
the desk for the platform's staff only (404 for everyone else), field errors and 429."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from moderation.models import SupportMessage, SupportRequest
from moderation.support import services
from notifications.models import Event
from tests.api.conftest import token_client
from tests.platform.moderation.support_world import support_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = "/api/v1/support"


def payload(**fields):
    data = {
        "topic": "membership_unanswered",
        "subject": "Pas de réponse",
        "body": "J’attends depuis trois semaines.",
    }
    data.update(fields)
    return data


def test_a_person_writes_reads_and_replies(support_world):
    client = token_client(support_world.waiting)
    created = client.post(f"{BASE}/requests/", payload(), format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "new" and body["topic"] == "membership_unanswered"
    assert body["commune"] == "saint-malo"
    assert [m["body"] for m in body["messages"]] == ["J’attends depuis trois semaines."]
    pk = body["id"]
    services.answer(by=support_world.desk, request=SupportRequest.objects.get(pk=pk), body="Vu.")
    mine = client.get(f"{BASE}/requests/")
    assert mine.status_code == 200
    assert [row["id"] for row in mine.json()["results"]] == [pk]
    assert mine.json()["results"][0]["status"] == "answered"
    detail = client.get(f"{BASE}/requests/{pk}/").json()
    assert [(m["from_staff"], m["body"]) for m in detail["messages"]] == [
        (False, "J’attends depuis trois semaines."),
        (True, "Vu."),
    ]
    assert "context" not in detail  # the context is for the team
    reply = client.post(f"{BASE}/requests/{pk}/messages/", {"body": "Merci"}, format="json")
    assert reply.status_code == 201 and reply.json()["from_staff"] is False
    assert SupportRequest.objects.get(pk=pk).status == "new"


def test_a_visitor_writes_without_an_account(support_world):
    client = APIClient()
    refused = client.post(f"{BASE}/requests/", payload(), format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "name": ["Indiquez votre nom."],
        "email": ["Indiquez l’adresse e-mail où vous répondre."],
    }
    created = client.post(
        f"{BASE}/requests/",
        payload(topic="missing_commune", name="Jean", email="jean@example.org"),
        format="json",
        REMOTE_ADDR="192.0.2.5",
    )
    assert created.status_code == 201
    assert created.json()["messages"] == []
    row = SupportRequest.objects.get()
    assert (row.requester, row.email, row.client_address) == (None, "jean@example.org", "192.0.2.5")
    # Reading needs an account.
    assert client.get(f"{BASE}/requests/").status_code == 401
    assert client.get(f"{BASE}/requests/{row.pk}/").status_code == 401


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"topic": "nope"}, {"topic": ["« nope » n’est pas un choix valide."]}),
        ({"subject": 12}, {"subject": ["Not a valid string."]}),
        ({"body": "   "}, {"body": ["Écrivez votre message."]}),
        (
            {"subject": "x" * 151},
            {"subject": ["Assurez-vous que ce champ comporte au plus 150 caractères."]},
        ),
    ],
)
def test_bad_input_is_a_400_per_field(support_world, data, errors):
    response = token_client(support_world.waiting).post(
        f"{BASE}/requests/", payload(**data), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == set(errors)
    assert not SupportRequest.objects.exists()


def test_the_hourly_limit_is_a_429_with_retry_after(support_world, settings):
    settings.SUPPORT_ANONYMOUS_PER_HOUR = 1
    client = APIClient()
    data = payload(name="Jean", email="jean@example.org")
    assert client.post(f"{BASE}/requests/", data, format="json").status_code == 201
    again = client.post(f"{BASE}/requests/", data, format="json")
    assert again.status_code == 429
    assert int(again["Retry-After"]) > 3000
    assert again.json()["detail"].startswith("Vous avez envoyé 1 demandes à l’équipe")


def test_someone_elses_request_is_404(support_world):
    created = services.request_create(
        user=support_world.waiting, topic="other", subject="Privé", body="Texte"
    )
    for someone in (support_world.other, support_world.clerk, support_world.desk):
        client = token_client(someone)
        assert client.get(f"{BASE}/requests/{created.pk}/").status_code == 404
        posted = client.post(
            f"{BASE}/requests/{created.pk}/messages/", {"body": "Intrus"}, format="json"
        )
        assert posted.status_code == 404
        assert client.get(f"{BASE}/requests/").json()["results"] == []
    huge = token_client(support_world.waiting).get(f"{BASE}/requests/99999999999999999999/")
    assert huge.status_code == 404
    assert SupportMessage.objects.count() == 1


def test_the_desk_is_the_platform_staffs_only(support_world):
    created = services.request_create(
        user=support_world.waiting, topic="overlap", subject="Chevauchement", body="Texte"
    )
    for someone in (support_world.clerk, support_world.waiting, support_world.other):
        client = token_client(someone)
        assert client.get(f"{BASE}/desk/").status_code == 404
        assert client.get(f"{BASE}/desk/{created.pk}/").status_code == 404
        patched = client.patch(f"{BASE}/desk/{created.pk}/", {"status": "closed"}, format="json")
        assert patched.status_code == 404
        answered = client.post(f"{BASE}/desk/{created.pk}/answer/", {"body": "x"}, format="json")
        assert answered.status_code == 404
    assert APIClient().get(f"{BASE}/desk/").status_code == 401
    created.refresh_from_db()
    assert created.status == "new" and created.messages.count() == 1


def test_the_desk_answers_and_moves_requests_along(support_world):
    created = services.request_create(
        user=support_world.waiting, topic="overlap", subject="Chevauchement", body="Texte"
    )
    desk = token_client(support_world.desk)
    listed = desk.get(f"{BASE}/desk/", {"status": "new", "topic": "overlap", "q": "chevau"})
    assert [row["id"] for row in listed.json()["results"]] == [created.pk]
    assert desk.get(f"{BASE}/desk/", {"topic": "other"}).json()["results"] == []
    detail = desk.get(f"{BASE}/desk/{created.pk}/").json()
    labels = [row["label"] for row in detail["context"]]
    assert "Domicile sur la carte" in labels and detail["email"] == support_world.waiting.email
    bad = desk.patch(f"{BASE}/desk/{created.pk}/", {"status": "lost"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"status"}
    moved = desk.patch(f"{BASE}/desk/{created.pk}/", {"status": "in_progress"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    assert moved.json()["assigned_to"] == support_world.desk.pk
    blank = desk.post(f"{BASE}/desk/{created.pk}/answer/", {"body": " "}, format="json")
    assert blank.status_code == 400 and set(blank.json()) == {"body"}
    answered = desk.post(f"{BASE}/desk/{created.pk}/answer/", {"body": "Réglé."}, format="json")
    assert answered.status_code == 201 and answered.json()["from_staff"] is True
    created.refresh_from_db()
    assert created.status == "answered"
    assert Event.objects.filter(kind="support.answer").count() == 1


def test_the_desk_list_stays_o1_in_queries(support_world, settings):
    settings.SUPPORT_REQUESTS_PER_HOUR = 100
    desk = token_client(support_world.desk)

    def make(count):
        for i in range(count):
            services.request_create(
                user=support_world.waiting, topic="other", subject=f"S{i}", body="Texte"
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(f"{BASE}/desk/").status_code == 200
        return len(captured)

    make(3)
    queries()  # the token's first use of the day is written once
    three = queries()
    make(27)
    assert queries() == three
