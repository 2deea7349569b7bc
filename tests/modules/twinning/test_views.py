"""Site pages under /jumelages/ on the commune's host (TWN-1)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from communes.services import module_set_enabled
from communities.models import HistoryEntry
from modules.twinning import services
from modules.twinning.models import Twinning
from tests.communities import SAINT_MALO, offset, person_at
from tests.follows import root
from tests.twinning import NEAR

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def client_for(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def page(world):
    return reverse("twinning:community", args=[world.here.pk])


def test_the_index_leads_a_member_to_their_community(world):
    response = client_for(world.here_member).get("/jumelages/")
    assert response.status_code == 302 and response["Location"] == page(world)


def test_the_index_explains_to_others(world, commune):
    response = client_for(person_at(commune, offset(NEAR, 3000, 3000))).get("/jumelages/")
    assert response.status_code == 200
    assert Client(HTTP_HOST=HOST).get("/jumelages/").status_code == 302  # login


def test_members_see_twinned_and_pending(world):
    services.twinning_decide(
        by=world.near_referent,
        twinning=services.twinning_propose(
            by=world.here_referent, community=world.here, other=world.near
        ),
        accept=True,
    )
    response = client_for(world.here_member).get(page(world))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saint-Servan" in body
    assert 'name="action" value="end"' not in body  # not a référent
    assert 'value="propose"' not in body


@pytest.mark.parametrize("who", ["near_member", "far_referent", "pending", "stranger"])
def test_non_members_get_404(world, commune, who):
    if who == "pending":
        from communities.services import membership_request

        user = person_at(commune, offset(SAINT_MALO, 70, 70))
        membership_request(user=user, community=world.here)
    elif who == "stranger":
        user = person_at(commune, offset(NEAR, 3000, 3000))
    else:
        user = getattr(world, who)
    client = client_for(user)
    assert client.get(page(world)).status_code == 404
    assert (
        client.post(page(world), {"action": "propose", "other": world.near.pk}).status_code == 404
    )


def test_a_referent_proposes_among_nearby_communities_only(world):
    client = client_for(world.here_referent)
    body = client.get(page(world)).content.decode()
    assert "Saint-Servan" in body and "Paramé" not in body
    response = client.post(page(world), {"action": "propose", "other": world.far.pk})
    assert response.status_code == 200 and not Twinning.objects.exists()
    response = client.post(page(world), {"action": "propose", "other": world.near.pk})
    assert response.status_code == 302
    assert Twinning.objects.get().proposing_community == world.here


def test_a_member_cannot_post_actions(world):
    response = client_for(world.here_member).post(
        page(world), {"action": "propose", "other": world.near.pk}
    )
    assert response.status_code == 403
    assert not Twinning.objects.exists()


def test_the_other_referent_accepts_then_ends_on_the_site(world):
    twinning = services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    client = client_for(world.near_referent)
    near_page = reverse("twinning:community", args=[world.near.pk])
    body = client.get(near_page).content.decode()
    assert 'value="accept"' in body and "Intra-muros" in body
    response = client.post(near_page, {"action": "accept", "twinning": twinning.pk})
    assert response.status_code == 302
    twinning.refresh_from_db()
    assert twinning.status == Twinning.Status.ACTIVE
    assert HistoryEntry.objects.filter(kind="twinned").count() == 2
    response = client_for(world.here_referent).post(
        page(world), {"action": "end", "twinning": twinning.pk}
    )
    assert response.status_code == 302
    twinning.refresh_from_db()
    assert twinning.status == Twinning.Status.ENDED


def test_the_proposing_side_cannot_accept_on_the_site(world):
    twinning = services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    client = client_for(world.here_referent)
    assert 'value="accept"' not in client.get(page(world)).content.decode()
    client.post(page(world), {"action": "accept", "twinning": twinning.pk})
    twinning.refresh_from_db()
    assert twinning.status == Twinning.Status.PROPOSED


def test_the_community_nav_links_to_twinnings_when_the_module_is_on(world, commune):
    client = client_for(world.here_member)
    detail = reverse("communities:detail", args=[world.here.pk])
    assert page(world) in client.get(detail).content.decode()
    module_set_enabled(by=root(), commune=commune, module="twinning", enabled=False)
    assert page(world) not in client.get(detail).content.decode()


def test_pages_404_when_the_module_is_off_and_data_is_kept(world, commune):
    twinning = services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    module_set_enabled(by=root(), commune=commune, module="twinning", enabled=False)
    client = client_for(world.here_referent)
    assert client.get("/jumelages/").status_code == 404
    assert client.get(page(world)).status_code == 404
    assert client.post(page(world), {"action": "end", "twinning": twinning.pk}).status_code == 404
    assert Twinning.objects.filter(pk=twinning.pk, status="proposed").exists()
    module_set_enabled(by=root(), commune=commune, module="twinning", enabled=True)
    assert client.get(page(world)).status_code == 200
