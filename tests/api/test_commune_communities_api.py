"""COM-2 in the API: a partner town hall's police and mayor list the communities with their
référents (GET /api/v1/communes/{slug}/communities/) and write to a référent
(POST /api/v1/messages/referents/)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from communes.models import Commune, StaffRole
from communes.services import staff_role_grant
from communities.services import referent_give_up, referent_grant
from messaging.models import Message, Thread
from tests.api.conftest import token_client
from tests.communities import SAINT_MALO, make_community, offset
from tests.factories import UserFactory
from tests.follows import grant, root

pytestmark = pytest.mark.django_db

LIST = "/api/v1/communes/{}/communities/"
WRITE = "/api/v1/messages/referents/"


def french(text: str, **values) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values if values else _(text)


def police_of(commune, *, by=None):
    user = UserFactory(first_name="Paula", last_name="Gendre")
    staff_role_grant(commune=commune, user=user, role="police", by=by or root())
    return user


@pytest.fixture
def police(partner_commune, mayor):
    return police_of(partner_commune, by=mayor)


def test_police_list_the_communities_and_their_referents(world, police, partner_commune):
    response = token_client(police).get(LIST.format("saint-malo"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = {row["name"]: row for row in body["results"]}
    assert sorted(rows) == ["Intra-muros", "Paramé", "Saint-Servan"]
    here = rows["Intra-muros"]
    assert set(here) == {"id", "name", "member_count", "created_at", "referents"}
    assert here["id"] == world.here.pk
    assert here["member_count"] == 2
    assert here["referents"] == [{"id": world.here_referent.pk, "name": "Régis Référent"}]
    text = response.content.decode()
    for person in (world.here_referent, world.here_member, world.near_member):
        assert person.email not in text
    assert world.near_member.mobile not in text


def test_the_list_costs_the_same_for_more_communities(world, police, partner_commune):
    client = token_client(police)
    client.get(LIST.format("saint-malo"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST.format("saint-malo")).status_code == 200
        return len(queries)

    before = count()
    for i in range(3):
        make_community(partner_commune, offset(SAINT_MALO, 3000 + 600 * i, 0), name=f"Q{i}")
    after = count()
    assert after == before
    assert client.get(LIST.format("saint-malo")).json()["count"] == 6


def test_who_may_list(world, partner_commune, mayor, partner, other_commune):
    assert APIClient().get(LIST.format("saint-malo")).status_code == 401
    assert token_client(mayor).get(LIST.format("saint-malo")).status_code == 200
    hosting = UserFactory()
    partner.staff.add(hosting)
    assert token_client(hosting).get(LIST.format("saint-malo")).status_code == 200
    council = UserFactory()
    grant(partner_commune, council, StaffRole.Role.COUNCIL)
    Commune.objects.filter(pk=other_commune.pk).update(is_partner=True)
    other_police = police_of(other_commune)
    for person in (council, world.here_referent, other_police):
        response = token_client(person).get(LIST.format("saint-malo"))
        assert response.status_code == 403, person
        assert "Régis" not in response.content.decode()
    assert token_client(other_police).get(LIST.format("cocody")).json()["count"] == 0
    assert token_client(mayor).get(LIST.format("nowhere")).status_code == 404


def test_a_commune_that_is_not_a_partner(world, commune, mayor):
    police = police_of(commune, by=mayor)
    Commune.objects.filter(pk=commune.pk).update(is_partner=False)
    response = token_client(police).get(LIST.format("saint-malo"))
    assert response.status_code == 403
    assert response.json() == {
        "detail": french(
            "%(commune)s is not a partner town hall: its communities' référents are not "
            "listed for it.",
            commune="Saint-Malo",
        )
    }


def test_write_to_a_referent_who_answers(world, police, partner_commune):
    referent = world.far_referent
    client = token_client(police)
    response = client.post(
        WRITE,
        {"commune": "saint-malo", "referent": referent.pk, "subject": "Ronde", "body": "Bonjour"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    thread = Thread.objects.get()
    assert body["id"] == thread.pk
    assert body["subject"] == "Ronde"
    assert body["town_hall"] is None and body["commune"] is None
    signature = french("Police – %(commune)s", commune="Saint-Malo")
    assert body["staff_label"] == signature
    [person] = body["people"]
    assert (person["id"], person["display_name"], person["email"], person["mobile"]) == (
        referent.pk,
        "Régis Référent",
        None,
        None,
    )
    # The référent finds it in their conversations and answers.
    mine = token_client(referent)
    threads = mine.get("/api/v1/messages/threads/").json()["results"]
    assert [t["id"] for t in threads] == [thread.pk]
    assert threads[0]["people"][0]["display_name"] == f"Paula Gendre · {signature}"
    assert threads[0]["people"][0]["email"] is None
    answer = mine.post(
        f"/api/v1/messages/threads/{thread.pk}/messages/", {"body": "Reçu"}, format="json"
    )
    assert answer.status_code == 201
    messages = client.get(f"/api/v1/messages/threads/{thread.pk}/messages/").json()["results"]
    assert [(m["body"], m["author"]["display_name"]) for m in messages] == [
        ("Reçu", "Régis Référent"),
        ("Bonjour", f"Paula Gendre · {signature}"),
    ]


def test_write_refusals(world, police, partner_commune, other_commune):
    client = token_client(police)
    not_referent = client.post(
        WRITE,
        {"commune": "saint-malo", "referent": world.here_member.pk, "body": "Bonjour"},
        format="json",
    )
    assert not_referent.status_code == 400
    assert not_referent.json() == {
        "referent": [
            french("Choose a référent of a community of %(commune)s.", commune="Saint-Malo")
        ]
    }
    unknown = client.post(
        WRITE, {"commune": "saint-malo", "referent": 999999, "body": "Bonjour"}, format="json"
    )
    assert unknown.status_code == 400 and list(unknown.json()) == ["referent"]
    nowhere = client.post(
        WRITE,
        {"commune": "nowhere", "referent": world.here_referent.pk, "body": "x"},
        format="json",
    )
    assert nowhere.status_code == 400 and list(nowhere.json()) == ["commune"]
    empty = client.post(
        WRITE, {"commune": "saint-malo", "referent": world.here_referent.pk}, format="json"
    )
    assert empty.status_code == 400 and list(empty.json()) == ["body"]
    council = UserFactory()
    grant(partner_commune, council, StaffRole.Role.COUNCIL)
    Commune.objects.filter(pk=other_commune.pk).update(is_partner=True)
    other_police = police_of(other_commune)
    expected = french(
        "Only the partner town hall and the police of %(commune)s can write to the référents "
        "of its communities.",
        commune="Saint-Malo",
    )
    for person in (council, world.here_member, other_police):
        response = token_client(person).post(
            WRITE,
            {"commune": "saint-malo", "referent": world.here_referent.pk, "body": "Bonjour"},
            format="json",
        )
        assert response.status_code == 403
        assert response.json() == {"detail": expected}
    assert (
        APIClient()
        .post(WRITE, {"commune": "saint-malo", "referent": 1, "body": "x"}, format="json")
        .status_code
        == 401
    )
    assert Thread.objects.count() == 0


def test_a_former_referent_in_the_api(world, police, partner_commune):
    second = world.here_member
    referent_grant(by=world.here_referent, community=world.here, user=second)
    client = token_client(police)
    created = client.post(
        WRITE, {"commune": "saint-malo", "referent": second.pk, "body": "Bonjour"}, format="json"
    )
    assert created.status_code == 201
    thread_id = created.json()["id"]
    referent_give_up(by=second, community=world.here)
    refused = client.post(
        f"/api/v1/messages/threads/{thread_id}/messages/", {"body": "Allô"}, format="json"
    )
    assert refused.status_code == 403
    assert second.get_full_name() in refused.json()["detail"]
    past = token_client(second).get(f"/api/v1/messages/threads/{thread_id}/messages/")
    assert past.status_code == 200 and [m["body"] for m in past.json()["results"]] == ["Bonjour"]
    assert Message.objects.filter(thread_id=thread_id).count() == 1
