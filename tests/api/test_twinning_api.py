"""The twinning API under /api/v1/communes/{slug}/twinning/ (TWN-1, TWN-2)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext
from rest_framework.test import APIClient

from communes.models import StaffRole
from communes.services import module_set_enabled, staff_role_grant
from communities.models import HistoryEntry
from modules.twinning import services
from modules.twinning.models import Twinning
from tests.communities import join, person_at
from tests.factories import UserFactory
from tests.follows import root
from tests.twinning import (
    bare_communities,
)

pytestmark = pytest.mark.django_db


BASE = "/api/v1/communes/saint-malo/twinning/"


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def listing(community) -> str:
    return f"{BASE}communities/{community.pk}/twinnings/"


def propose(world):
    return services.twinning_propose(by=world.here_referent, community=world.here, other=world.near)


# --- list -----------------------------------------------------------------------------


def test_members_list_their_twinnings_from_their_side(world):
    twinning = propose(world)
    response = api(world.near_member).get(listing(world.near))
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == twinning.pk and item["status"] == "proposed"
    assert item["other_community"] == {
        "id": world.here.pk,
        "name": "Intra-muros",
        "commune": {"slug": "saint-malo", "name": "Saint-Malo"},
    }
    assert item["proposed_by_us"] is False and item["awaiting_our_answer"] is True
    mine = api(world.here_member).get(listing(world.here)).json()["results"][0]
    assert mine["proposed_by_us"] is True and mine["awaiting_our_answer"] is False


def test_non_members_get_404(world, commune):
    assert api(world.far_referent).get(listing(world.here)).status_code == 404
    assert api(world.near_member).get(listing(world.here)).status_code == 404
    assert api(None).get(listing(world.here)).status_code in (401, 403)


def test_another_communes_path_404s(world, other_commune):
    path = f"/api/v1/communes/cocody/twinning/communities/{world.here.pk}/twinnings/"
    assert api(world.here_member).get(path).status_code == 404


def test_the_list_costs_a_constant_number_of_queries(world, commune):
    def twin(others):
        Twinning.objects.bulk_create(
            Twinning(
                community_a=min(world.here, other, key=lambda c: c.pk),
                community_b=max(world.here, other, key=lambda c: c.pk),
                status="active",
            )
            for other in others
        )

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(listing(world.here), {"page_size": 50})
        assert response.status_code == 200
        return response.json()["count"], len(queries)

    client = api(world.here_member)
    twin(bare_communities(commune, 3))
    small, small_queries = count_queries()
    twin(bare_communities(commune, 27, start_east_m=40_000))
    large, large_queries = count_queries()
    assert (small, large) == (3, 30)
    assert large_queries == small_queries


# --- propose --------------------------------------------------------------------------


def test_a_referent_proposes(world):
    response = api(world.here_referent).post(
        listing(world.here), {"other": world.near.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["other_community"]["id"] == world.near.pk
    assert Twinning.objects.get().status == "proposed"


def test_a_member_who_is_not_referent_gets_403(world):
    response = api(world.here_member).post(
        listing(world.here), {"other": world.near.pk}, format="json"
    )
    assert response.status_code == 403
    assert not Twinning.objects.exists()


def test_too_far_is_a_400_with_the_message_on_the_field(world):
    response = api(world.here_referent).post(
        listing(world.here), {"other": world.far.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "other": [
            gettext(
                "“%(name)s” is too far away: a twinning is possible with communities "
                "less than %(distance)s m away."
            )
            % {"name": "Paramé", "distance": 2000}
        ]
    }


@pytest.mark.parametrize("payload", [{}, {"other": "x"}, {"other": 0}, {"other": 999_999}])
def test_bad_input_is_a_400(world, payload):
    response = api(world.here_referent).post(listing(world.here), payload, format="json")
    assert response.status_code == 400
    assert "other" in response.json()


def test_a_duplicate_is_a_400(world):
    propose(world)
    response = api(world.near_referent).post(
        listing(world.near), {"other": world.here.pk}, format="json"
    )
    assert response.status_code == 400 and "other" in response.json()


def test_candidates_for_referents(world):
    response = api(world.here_referent).get(f"{BASE}communities/{world.here.pk}/candidates/")
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["results"]] == ["Saint-Servan"]
    path = f"{BASE}communities/{world.here.pk}/candidates/"
    assert api(world.here_member).get(path).status_code == 403
    assert api(world.near_member).get(path).status_code == 404


# --- decide and end -------------------------------------------------------------------


def test_the_other_referent_accepts(world):
    twinning = propose(world)
    path = f"{BASE}{twinning.pk}/decision/"
    assert api(world.here_referent).post(path, {"accept": True}, format="json").status_code == 403
    assert api(world.near_member).post(path, {"accept": True}, format="json").status_code == 403
    assert api(world.far_referent).post(path, {"accept": True}, format="json").status_code == 404
    assert api(world.near_referent).post(path, {}, format="json").status_code == 400
    response = api(world.near_referent).post(path, {"accept": True}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["other_community"]["id"] == world.here.pk
    assert HistoryEntry.objects.filter(kind="twinned").count() == 2
    again = api(world.near_referent).post(path, {"accept": False}, format="json")
    assert again.status_code == 400 and "non_field_errors" in again.json()


def test_either_referent_ends(world):
    twinning = services.twinning_decide(
        by=world.near_referent, twinning=propose(world), accept=True
    )
    path = f"{BASE}{twinning.pk}/end/"
    assert api(world.near_member).post(path).status_code == 403
    assert api(world.far_referent).post(path).status_code == 404
    response = api(world.here_referent).post(path)
    assert response.status_code == 200 and response.json()["status"] == "ended"
    assert HistoryEntry.objects.filter(kind="twinning_ended").count() == 2


# --- TWN-2 ----------------------------------------------------------------------------


def test_the_partner_town_hall_twins_all_and_undoes(world, partner_commune, mayor):
    response = api(mayor).post(f"{BASE}town-hall/twin-all/")
    assert response.status_code == 200 and response.json() == {"count": 3}
    assert Twinning.objects.active().filter(via_town_hall=True).count() == 3
    response = api(mayor).post(f"{BASE}town-hall/undo/")
    assert response.status_code == 200 and response.json() == {"count": 3}
    assert not Twinning.objects.active().exists()


def test_hosting_partner_staff_may_twin_all(world, partner_commune, partner):
    staff = UserFactory()
    partner.staff.add(staff)
    assert api(staff).post(f"{BASE}town-hall/twin-all/").status_code == 200


def test_others_get_403_for_twin_all(world, commune, other_commune, mayor):
    assert api(mayor).post(f"{BASE}town-hall/twin-all/").status_code == 403  # not a partner
    commune.is_partner = True
    commune.save(update_fields=["is_partner"])
    other_mayor = UserFactory()
    staff_role_grant(commune=other_commune, user=other_mayor, role=StaffRole.Role.MAYOR, by=root())
    resident = person_at(commune, (0, 0))
    for user in (other_mayor, world.here_referent, resident):
        for action in ("twin-all", "undo"):
            assert api(user).post(f"{BASE}town-hall/{action}/").status_code == 403
    assert api(None).post(f"{BASE}town-hall/twin-all/").status_code in (401, 403)
    assert not Twinning.objects.exists()


def test_another_communes_mayor_cannot_twin_ours_through_their_slug(
    world, partner_commune, other_commune
):
    other_commune.is_partner = True
    other_commune.save(update_fields=["is_partner"])
    other_mayor = UserFactory()
    staff_role_grant(commune=other_commune, user=other_mayor, role=StaffRole.Role.MAYOR, by=root())
    response = api(other_mayor).post("/api/v1/communes/cocody/twinning/town-hall/twin-all/")
    assert response.status_code == 200 and response.json() == {"count": 0}
    assert not Twinning.objects.exists()


# --- module switch --------------------------------------------------------------------


def test_the_api_404s_when_the_module_is_off_and_data_is_kept(world, commune):
    twinning = propose(world)
    module_set_enabled(by=root(), commune=commune, module="twinning", enabled=False)
    assert api(world.here_member).get(listing(world.here)).status_code == 404
    assert (
        api(world.near_referent)
        .post(f"{BASE}{twinning.pk}/decision/", {"accept": True}, format="json")
        .status_code
        == 404
    )
    assert api(root()).post(f"{BASE}town-hall/twin-all/").status_code == 404
    assert Twinning.objects.filter(pk=twinning.pk, status="proposed").exists()
    module_set_enabled(by=root(), commune=commune, module="twinning", enabled=True)
    assert api(world.here_member).get(listing(world.here)).json()["count"] == 1


def test_no_person_in_answers(world):
    member = join(world.here, person_at(world.here.commune, world.here.area.centroid.coords))
    propose(world)
    body = api(member).get(listing(world.here)).content.decode()
    assert "Référent" not in body and "@" not in body
