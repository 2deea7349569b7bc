"""The messages API (CNT-3, TWN-3): /api/v1/messages/…"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from messaging import services
from messaging.models import Message, Thread
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.follows import pending, validated
from tests.platform.messaging.conftest import start
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
BASE = "/api/v1/messages/"


def test_start_list_read_and_answer(world, alice):
    api = token_client(world.here_member)
    response = api.post(
        f"{BASE}threads/",
        {"recipients": [alice.pk], "subject": "Vélo", "body": "  Je te prête mon vélo  "},
        format="json",
    )
    assert response.status_code == 201
    thread_id = response.json()["id"]
    assert response.json()["people"][0]["id"] == alice.pk
    alice_api = token_client(alice)
    assert alice_api.get(f"{BASE}unread/").json() == {"threads": 1, "town_halls": []}
    listing = alice_api.get(f"{BASE}threads/").json()
    assert [t["id"] for t in listing["results"]] == [thread_id]
    assert listing["results"][0]["unread"] is True
    messages = alice_api.get(f"{BASE}threads/{thread_id}/messages/").json()["results"]
    assert [m["body"] for m in messages] == ["Je te prête mon vélo"]
    assert messages[0]["is_new"] is True
    assert alice_api.post(f"{BASE}threads/{thread_id}/read/").json()["unread"] is False
    answer = alice_api.post(
        f"{BASE}threads/{thread_id}/messages/", {"body": "Merci !"}, format="json"
    )
    assert answer.status_code == 201
    assert answer.json()["is_mine"] is True
    assert world.here_member.email not in listing.__repr__()


def test_someone_elses_thread_is_a_404(world, alice, commune):
    thread = start(world.here_member, alice)
    for intruder in (world.here_referent, world.far_referent, UserFactory()):
        api = token_client(intruder)
        assert api.get(f"{BASE}threads/{thread.pk}/").status_code == 404
        assert api.get(f"{BASE}threads/{thread.pk}/messages/").status_code == 404
        assert (
            api.post(
                f"{BASE}threads/{thread.pk}/messages/", {"body": "x"}, format="json"
            ).status_code
            == 404
        )
        assert api.post(f"{BASE}threads/{thread.pk}/read/").status_code == 404
    assert token_client(alice).get(f"{BASE}threads/999999/").status_code == 404


def test_anonymous_is_refused(world):
    from rest_framework.test import APIClient

    assert APIClient().get(f"{BASE}threads/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x"}, "recipients"),
        ({"recipients": [], "body": "x"}, "recipients"),
        ({"recipients": ["a"], "body": "x"}, "recipients"),
        ({"recipients": [True], "body": "x"}, "recipients"),
        ({"recipients": [1]}, "body"),
        ({"recipients": [1], "body": 3}, "body"),
        ({"recipients": [999999], "body": "x"}, "recipients"),
        ({"commune": "nowhere", "body": "x"}, "commune"),
        ({"recipients": list(range(1, 23)), "body": "x"}, "recipients"),
    ],
)
def test_bad_input_is_a_400_with_the_field(world, payload, field):
    response = token_client(world.here_member).post(f"{BASE}threads/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Message.objects.exists()


def test_unreachable_recipient_is_a_400_naming_nobody_private(world):
    response = token_client(world.here_member).post(
        f"{BASE}threads/", {"recipients": [world.near_member.pk], "body": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"recipients": ["Vous ne pouvez pas écrire à Un habitant."]}


def test_recipient_search_goes_through_the_matrix(world, twinned, alice):
    api = token_client(world.here_member)
    found = api.get(f"{BASE}recipients/", {"q": "serv"}).json()
    assert [p["id"] for p in found] == [world.near_member.pk]
    assert found[0]["display_name"] == "Serv1"
    text = str(found)
    assert world.near_member.last_name not in text
    assert "+33611223344" not in text and "Rue Secrète" not in text
    assert api.get(f"{BASE}recipients/", {"q": "a"}).json() == []


@override_settings(MESSAGING_MESSAGES_PER_HOUR=1)
def test_rate_limit_is_a_429_with_retry_after(world, alice):
    thread = start(world.here_member, alice)
    response = token_client(world.here_member).post(
        f"{BASE}threads/{thread.pk}/messages/", {"body": "encore"}, format="json"
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "dernière heure" in response.json()["detail"]


def test_blocks(world, alice):
    api = token_client(alice)
    created = api.post(f"{BASE}blocks/", {"user": world.here_member.pk}, format="json")
    assert created.status_code == 201
    assert [b["user"]["id"] for b in api.get(f"{BASE}blocks/").json()] == [world.here_member.pk]
    refused = token_client(world.here_member).post(
        f"{BASE}threads/", {"recipients": [alice.pk], "body": "x"}, format="json"
    )
    assert refused.status_code == 400
    assert (
        api.post(f"{BASE}blocks/", {"user": world.far_referent.pk}, format="json").status_code
        == 400
    )
    assert api.delete(f"{BASE}blocks/{world.here_member.pk}/").status_code == 204
    assert api.delete(f"{BASE}blocks/{world.here_member.pk}/").status_code == 404


def test_town_hall_inbox_for_its_staff_only(commune, other_commune, clerk):
    resident = validated(UserFactory(first_name="Marie", last_name="Durand"), commune)
    api = token_client(resident)
    response = api.post(
        f"{BASE}threads/", {"commune": "saint-malo", "body": "Bonjour la mairie"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["town_hall"] == "Mairie de Saint-Malo"
    thread_id = response.json()["id"]
    staff_api = token_client(clerk)
    assert staff_api.get(f"{BASE}unread/").json()["town_halls"] == [
        {"commune": "saint-malo", "threads": 1}
    ]
    inbox = staff_api.get(f"{BASE}town-halls/saint-malo/threads/").json()["results"]
    assert [t["id"] for t in inbox] == [thread_id]
    url = f"{BASE}town-halls/saint-malo/threads/{thread_id}/messages/"
    assert staff_api.get(url).status_code == 200
    answer = staff_api.post(url, {"body": "Bonjour, nous regardons."}, format="json")
    assert answer.status_code == 201
    assert answer.json()["signature"] == "Mairie de Saint-Malo · Élu du conseil municipal"
    assert clerk.email not in answer.content.decode()
    # Another commune's staff, a resident and the wrong slug: exactly 404.
    other = UserFactory()
    from tests.follows import grant

    grant(other_commune, other)
    for person, slug in ((other, "cocody"), (other, "saint-malo"), (resident, "saint-malo")):
        client = token_client(person)
        assert client.get(f"{BASE}town-halls/{slug}/threads/{thread_id}/").status_code == 404, (
            person,
            slug,
        )
    assert (
        token_client(clerk).get(f"{BASE}town-halls/cocody/threads/{thread_id}/").status_code == 404
    )


def test_pending_resident_cannot_write_to_the_town_hall(commune):
    person = UserFactory()
    pending(person, commune)
    response = token_client(person).post(
        f"{BASE}threads/", {"commune": "saint-malo", "body": "Bonjour"}, format="json"
    )
    assert response.status_code == 403
    assert not Thread.objects.exists()


def test_staff_write_to_a_resident(commune, clerk):
    resident = validated(UserFactory(), commune)
    api = token_client(clerk)
    response = api.post(
        f"{BASE}town-halls/saint-malo/threads/",
        {"resident": resident.pk, "body": "Votre dossier est prêt."},
        format="json",
    )
    assert response.status_code == 201
    assert token_client(resident).get(f"{BASE}unread/").json()["threads"] == 1
    stranger = UserFactory()
    bad = api.post(
        f"{BASE}town-halls/saint-malo/threads/",
        {"resident": stranger.pk, "body": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert list(bad.json()) == ["resident"]


def _inbox_queries(user) -> int:
    api = token_client(user)
    api.get(f"{BASE}threads/")  # warm the token and caches
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{BASE}threads/").status_code == 200
    return len(queries)


def _thread_queries(user, thread_id) -> int:
    api = token_client(user)
    api.get(f"{BASE}threads/{thread_id}/messages/")
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{BASE}threads/{thread_id}/messages/").status_code == 200
    return len(queries)


@override_settings(MESSAGING_MESSAGES_PER_HOUR=1000, MESSAGING_THREADS_PER_HOUR=1000)
def test_inbox_and_thread_cost_the_same_for_3_and_30_rows(world, alice):
    for _i in range(3):
        thread = start(world.here_member, alice, world.here_referent)
    few_inbox = _inbox_queries(alice)
    few_thread = _thread_queries(alice, thread.pk)
    for _i in range(27):
        start(world.here_member, alice, world.here_referent)
    for i in range(27):
        services.message_send(thread=thread, author=alice, body=f"n°{i}")
    assert _inbox_queries(alice) == few_inbox
    assert _thread_queries(alice, thread.pk) == few_thread


def test_staff_session_without_second_factor_is_refused(commune, clerk, client):
    client.force_login(clerk)
    assert client.get(f"{BASE}town-halls/saint-malo/threads/").status_code == 403
    verified_login(client, clerk)
    assert client.get(f"{BASE}town-halls/saint-malo/threads/").status_code == 200
