"""CTY-4 through the API: refused → ``POST /api/v1/support/requests/`` (topic
``appeal_refusal``) → ``POST /api/v1/support/desk/{id}/overturn/`` → member."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from communities import services as communities_services
from communities.models import Membership
from moderation.models import SupportRequest
from tests.api.conftest import token_client
from tests.communities import SAINT_MALO, join, make_community, offset, person_at, referent_of
from tests.platform.moderation.support_world import support_world_fixture  # noqa: F401
from tests.twinning import make_mayor

pytestmark = pytest.mark.django_db
BASE = "/api/v1/support"


def text(msgid: str, **values) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        result = gettext(msgid)
    return result % values if values else result


def refuse(world):
    membership = Membership.objects.get(pk=world.membership.pk)
    return communities_services.membership_decide(
        membership=membership,
        by=referent_of(world.community),
        accept=False,
        reason="Hors du périmètre.",
    )


def appeal(world, topic="appeal_refusal") -> int:
    response = token_client(world.waiting).post(
        f"{BASE}/requests/",
        {"topic": topic, "subject": "Je conteste", "body": "J’habite dans le quartier."},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_the_app_walks_the_whole_path(support_world):
    world = support_world
    refuse(world)
    me = token_client(world.waiting)
    state = me.get("/api/v1/me/community/").json()
    assert state["status"] == "none"
    request_id = appeal(world)
    desk = token_client(world.desk)
    response = desk.post(f"{BASE}/desk/{request_id}/overturn/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["community"] == {"id": world.community.pk, "name": "Intra-muros"}
    assert body["request"]["id"] == request_id
    assert body["request"]["status"] == "answered"
    assert body["request"]["topic"] == "appeal_refusal"
    assert [m["from_staff"] for m in body["request"]["messages"]] == [False, True]
    assert "Intra-muros" in body["request"]["messages"][1]["body"]
    assert me.get("/api/v1/me/community/").json()["status"] == "member"
    assert Membership.objects.get(pk=world.membership.pk).status == Membership.Status.MEMBER
    # Twice: nothing left to overturn, and the answer names the community.
    again = desk.post(f"{BASE}/desk/{request_id}/overturn/")
    assert again.status_code == 400
    assert again.json() == {
        "non_field_errors": [
            text(
                "This person is already a member of “%(name)s”: nothing to overturn.",
                name="Intra-muros",
            )
        ]
    }


def test_the_wrong_side(support_world):
    world = support_world
    refuse(world)
    request_id = appeal(world)
    url = f"{BASE}/desk/{request_id}/overturn/"
    # The person: the request is theirs, the action is not.
    own = token_client(world.waiting).post(url)
    assert own.status_code == 403
    assert own.json() == {"detail": text("Only the platform's team can overturn a refusal.")}
    # A référent, the mayor, a council member: the desk is not theirs (404, as elsewhere).
    for someone in (referent_of(world.community), make_mayor(world.commune), world.clerk):
        assert token_client(someone).post(url).status_code == 404
    assert APIClient().post(url).status_code == 401
    assert token_client(world.desk).post(f"{BASE}/desk/999999/overturn/").status_code == 404
    assert Membership.objects.get(pk=world.membership.pk).status == Membership.Status.REFUSED
    assert SupportRequest.objects.get(pk=request_id).status == SupportRequest.Status.NEW


def test_another_topic_is_a_400_on_topic(support_world):
    world = support_world
    refuse(world)
    request_id = appeal(world, topic="overlap")
    response = token_client(world.desk).post(f"{BASE}/desk/{request_id}/overturn/")
    assert response.status_code == 400
    assert response.json() == {
        "topic": [text("Only a request contesting a refusal can overturn a refusal.")]
    }
    assert Membership.objects.get(pk=world.membership.pk).status == Membership.Status.REFUSED


def test_a_person_in_another_community_is_a_400_naming_it(support_world):
    world = support_world
    refuse(world)
    request_id = appeal(world)
    far = offset(SAINT_MALO, 3000, 0)
    other = make_community(
        world.commune, far, name="Saint-Servan", referent=person_at(world.commune, far)
    )
    world.waiting.location = other.area.centroid
    world.waiting.save()
    join(other, world.waiting)
    response = token_client(world.desk).post(f"{BASE}/desk/{request_id}/overturn/")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            text(
                "This person is already a member of “%(name)s”: nothing to overturn.",
                name="Saint-Servan",
            )
        ]
    }
    assert Membership.objects.get(pk=world.membership.pk).status == Membership.Status.REFUSED


def test_the_operation_is_in_the_schema(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/support/desk/{request_id}/overturn/"]["post"]
    assert operation["operationId"] == "support_desk_overturn"
    assert set(operation["responses"]) >= {"200"}
