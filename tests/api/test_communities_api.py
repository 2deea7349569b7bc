"""API of communities (CTY-1…CTY-13): /api/v1/communities/, /api/v1/me/community/, merges."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings

from accounts.staff import platform_staff_group
from communes.models import StaffRole
from communities import services
from communities.models import (
    Community,
    Exclusion,
    HistoryEntry,
    Invitation,
    Membership,
    MergeProposal,
    ValidationMode,
)
from tests.api.conftest import token_client
from tests.communities import (
    APPLICANT_EMAIL,
    SAINT_MALO,
    geojson,
    join,
    make_community,
    offset,
    ordinary_member,
    pending_applicant,
    person_at,
    referent_of,
    square,
)
from tests.factories import UserFactory
from tests.follows import grant, root

LIST = "/api/v1/communities/"
MINE = "/api/v1/me/community/"
PUBLIC_FIELDS = {"id", "name", "created_at", "member_count", "commune", "showcase_url"}
SECRET_EMAIL = APPLICANT_EMAIL


def url(community, suffix: str = "") -> str:
    pk = community.pk if isinstance(community, Community) else community
    return f"{LIST}{pk}/{suffix}"


@pytest.fixture
def community(commune):
    return make_community(commune, members=2)


@pytest.fixture
def referent(community):
    return referent_of(community)


@pytest.fixture
def referent_api(referent):
    return token_client(referent)


@pytest.fixture
def member(community):
    return ordinary_member(community)


@pytest.fixture
def member_api(member):
    return token_client(member)


@pytest.fixture
def applicant(commune, community):
    """A neighbour inside the community whose request is pending."""
    return pending_applicant(commune, community)


@pytest.fixture
def neighbour_community(commune):
    """Saint-Servan, 600 m east, touching nothing."""
    return make_community(
        commune,
        offset(SAINT_MALO, 600, 0),
        name="Saint-Servan",
        referent=person_at(
            commune, offset(SAINT_MALO, 600, 0), first_name="Nadia", last_name="Voisine"
        ),
        members=1,
    )


@pytest.fixture
def mayor(commune):
    return grant(
        commune, UserFactory(first_name="Gilles", last_name="Maire"), StaffRole.Role.MAYOR
    ).user


@pytest.fixture
def moderator(db):
    user = UserFactory(first_name="Mona", last_name="Dératrice")
    user.groups.add(platform_staff_group())
    return user


def outsider_client(kind, *, applicant, neighbour_community, mayor):
    """Someone who must see nothing of the community beyond its public data."""
    if kind == "anonymous":
        from rest_framework.test import APIClient

        return APIClient()
    user = {
        "pending_member": applicant,
        "member_elsewhere": lambda: ordinary_member(neighbour_community),
        "commune_staff": mayor,
    }[kind]
    return token_client(user() if callable(user) else user)


OUTSIDERS = ["anonymous", "pending_member", "member_elsewhere", "commune_staff"]


# --- public list, detail, covering (CTY-3) -------------------------------------------------------


def test_the_public_list_shows_no_person(api_client, community, neighbour_community):
    Community.objects.filter(pk=community.pk).update(created_at="2026-01-02T10:00:00Z")
    response = api_client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert set(first) == PUBLIC_FIELDS
    assert (first["name"], second["name"]) == ("Intra-muros", "Saint-Servan")
    assert first["member_count"] == 3
    assert second["member_count"] == 2
    assert first["commune"] == {"slug": "saint-malo", "name": "Saint-Malo"}
    assert first["created_at"].startswith("2026-01-02")
    assert first["showcase_url"].startswith("http://saint-malo.localhost")
    assert first["showcase_url"].endswith("/communaute-intra-muros/")
    assert "Régis" not in response.content.decode()


def test_a_pending_request_does_not_count_as_a_member(api_client, community, applicant):
    assert api_client.get(LIST).json()["results"][0]["member_count"] == 3


def test_without_a_published_page_the_showcase_url_is_null(api_client, community):
    community.showcase_page.unpublish()
    assert api_client.get(LIST).json()["results"][0]["showcase_url"] is None


def test_filters_by_country_and_commune(api_client, commune, other_commune, community):
    from tests.communities import COCODY

    abidjan = make_community(other_commune, COCODY, name="Riviera")
    by_country = api_client.get(LIST, {"country": "CI"}).json()
    assert [c["id"] for c in by_country["results"]] == [abidjan.pk]
    by_commune = api_client.get(LIST, {"commune": "saint-malo"}).json()
    assert [c["id"] for c in by_commune["results"]] == [community.pk]
    both = api_client.get(LIST, {"country": "FR", "commune": "cocody"}).json()
    assert both["count"] == 0


def test_filter_near_a_point_nearest_first(api_client, community, neighbour_community):
    east = offset(SAINT_MALO, 700, 0)
    near = api_client.get(LIST, {"near": f"{east[0]},{east[1]}", "distance": 1000}).json()
    assert [c["id"] for c in near["results"]] == [neighbour_community.pk, community.pk]
    assert near["results"][0]["member_count"] == 2
    close = api_client.get(LIST, {"near": f"{east[0]},{east[1]}", "distance": 300}).json()
    assert [c["id"] for c in close["results"]] == [neighbour_community.pk]
    far = offset(SAINT_MALO, 0, 5000)
    assert api_client.get(LIST, {"near": f"{far[0]},{far[1]}"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"commune": "nowhere"}, "commune"),
        ({"commune": "not a slug!"}, "commune"),
        ({"near": "abc"}, "near"),
        ({"near": "1,2,3"}, "near"),
        ({"near": "200,48"}, "near"),
        ({"near": "nan,48"}, "near"),
        ({"near": "-2,48", "distance": 20001}, "distance"),
        ({"near": "-2,48", "distance": 0}, "distance"),
        ({"near": "-2,48", "distance": "far"}, "distance"),
    ],
)
def test_bad_filters_are_400_on_the_field(api_client, commune, params, field):
    response = api_client.get(LIST, params)
    assert response.status_code == 400
    assert set(response.json()) == {field}


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_queries_do_not_grow(api_client, commune, count, django_assert_max_num_queries):
    for number in range(count):
        make_community(
            commune,
            offset(SAINT_MALO, 450 * (number % 6), 450 * (number // 6)),
            side_m=300,
            name=f"Quartier {number:02d}",
            members=1 if number < 3 else 0,
        )
    api_client.get(LIST)  # warm the site root paths cache
    # 4 measured for 3 and for 30: site, commune of the host, count and the page (member
    # counts, communes, their sites and the showcase pages in the page's one query).
    with django_assert_max_num_queries(4):
        response = api_client.get(LIST)
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(count, 20)
    with django_assert_max_num_queries(4):
        response = api_client.get(LIST, {"near": "-2.0255,48.6493", "distance": 20000})
    assert response.json()["count"] == count


def test_the_detail_has_the_boundary(api_client, community):
    services.community_update_showcase(
        by=referent_of(community), community=community, presentation="Entre les remparts."
    )
    response = api_client.get(url(community))
    assert response.status_code == 200
    body = response.json()
    assert PUBLIC_FIELDS | {"presentation", "area_m2", "boundary"} == set(body)
    assert body["presentation"] == "Entre les remparts."
    assert body["boundary"]["type"] == "Polygon"
    ring = body["boundary"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    assert 159_000 < body["area_m2"] < 161_000


def test_an_unknown_community_is_a_404(api_client, db):
    assert api_client.get(url(999999)).status_code == 404
    assert api_client.get(url(2**70)).status_code == 404


def test_the_community_covering_a_point(api_client, community):
    inside = offset(SAINT_MALO, 100, -100)
    response = api_client.get(f"{LIST}covering/", {"lon": inside[0], "lat": inside[1]})
    assert response.status_code == 200
    assert response.json()["id"] == community.pk
    assert "boundary" in response.json()
    outside = offset(SAINT_MALO, 1000, 0)
    response = api_client.get(f"{LIST}covering/", {"lon": outside[0], "lat": outside[1]})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params", [{}, {"lon": "-2"}, {"lon": "x", "lat": "48"}, {"lon": "-2", "lat": "95"}]
)
def test_covering_needs_a_point(api_client, db, params):
    assert api_client.get(f"{LIST}covering/", params).status_code == 400


# --- creation (CTY-1, CTY-2) ---------------------------------------------------------------------


@pytest.fixture
def founder(commune):
    return person_at(commune, SAINT_MALO, first_name="Fanny", last_name="Fondatrice")


@pytest.fixture
def founder_api(founder):
    return token_client(founder)


def test_create_a_community(commune, founder, founder_api):
    payload = {
        "commune": "saint-malo",
        "name": " Les  Remparts ",
        "boundary": geojson(square(SAINT_MALO)),
    }
    response = founder_api.post(LIST, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Les Remparts"
    assert body["member_count"] == 1
    assert body["showcase_url"].startswith("http://saint-malo.localhost/")
    community = Community.objects.get(pk=body["id"])
    membership = Membership.objects.get(community=community, user=founder)
    assert (membership.status, membership.is_referent) == ("member", True)
    me = founder_api.get(MINE).json()
    assert (me["status"], me["is_referent"], me["community"]["id"]) == ("member", True, body["id"])


def test_create_with_a_feature_or_a_multipolygon(commune, founder, founder_api):
    polygon = geojson(square(SAINT_MALO))
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": polygon}
    response = founder_api.post(
        LIST, {"commune": "saint-malo", "name": "A", "boundary": feature}, format="json"
    )
    assert response.status_code == 201
    founder_api.delete(MINE)  # the last member leaves: the community is deleted
    assert not Community.objects.exists()
    multi = {"type": "MultiPolygon", "coordinates": [polygon["coordinates"]]}
    response = founder_api.post(
        LIST, {"commune": "saint-malo", "name": "B", "boundary": multi}, format="json"
    )
    assert response.status_code == 201


def test_an_overlap_names_the_community_in_the_way(commune, community, founder_api):
    payload = {
        "commune": "saint-malo",
        "name": "Doublon",
        "boundary": geojson(square(offset(SAINT_MALO, 100, 0))),
    }
    response = founder_api.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"boundary"}
    assert "Intra-muros" in response.json()["boundary"][0]


def test_the_boundary_must_contain_the_home(commune, founder_api):
    payload = {
        "commune": "saint-malo",
        "name": "Ailleurs",
        "boundary": geojson(square(offset(SAINT_MALO, 2000, 0))),
    }
    response = founder_api.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"boundary"}


def test_the_boundary_covers_at_most_1_km2(commune, founder_api):
    payload = {
        "commune": "saint-malo",
        "name": "Tout",
        "boundary": geojson(square(SAINT_MALO, 1200)),
    }
    response = founder_api.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert "km²" in response.json()["boundary"][0]


RING = [[-2.03, 48.64], [-2.02, 48.64], [-2.02, 48.65], [-2.03, 48.65], [-2.03, 48.64]]


@pytest.mark.parametrize(
    "boundary",
    [
        "POLYGON((0 0, 1 0, 1 1, 0 0))",
        None,
        [],
        {},
        {"type": "Point", "coordinates": [-2.02, 48.64]},
        {"type": "Polygon"},
        {"type": "Polygon", "coordinates": "x"},
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [RING[:3]]},
        {"type": "Polygon", "coordinates": [RING[:4]]},  # not closed
        {"type": "Polygon", "coordinates": [[[True, 48.64], *RING[1:4], [True, 48.64]]]},
        {"type": "Polygon", "coordinates": [[["-2.03", 48.64], *RING[1:4], ["-2.03", 48.64]]]},
        {"type": "Polygon", "coordinates": [[[1e308, 0], [1, 0], [0, 1], [1e308, 0]]]},
        {"type": "Polygon", "coordinates": [[[200, 0], [1, 0], [0, 1], [200, 0]]]},
        {"type": "Polygon", "coordinates": [[[-2.03], *RING[1:4], [-2.03]]]},
        {"type": "MultiPolygon", "coordinates": [[RING], [RING]]},
        {"type": "Feature", "geometry": None},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}},
        {
            "type": "Polygon",  # a bow tie crosses itself
            "coordinates": [
                [[-2.03, 48.64], [-2.02, 48.65], [-2.02, 48.64], [-2.03, 48.65], [-2.03, 48.64]]
            ],
        },
        {"type": "Polygon", "coordinates": [[[-2.03 + i * 1e-6, 48.64] for i in range(600)]]},
    ],
)
def test_a_bad_boundary_is_a_400_on_boundary(commune, founder_api, boundary):
    payload = {"commune": "saint-malo", "name": "Essai", "boundary": boundary}
    response = founder_api.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"boundary"}
    assert not Community.objects.exists()


def test_an_altitude_is_ignored(commune, founder_api):
    ring = [[x, y, 12.5] for x, y in geojson(square(SAINT_MALO))["coordinates"][0]]
    payload = {
        "commune": "saint-malo",
        "name": "En 3D",
        "boundary": {"type": "Polygon", "coordinates": [ring]},
    }
    response = founder_api.post(LIST, payload, format="json")
    assert response.status_code == 201
    assert not Community.objects.get().area.hasz


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"commune": "nowhere", "name": "A"}, "commune"),
        ({"commune": "saint-malo", "name": ""}, "name"),
        ({"commune": "saint-malo", "name": 12}, "name"),
        ({"commune": "saint-malo", "name": "x" * 121}, "name"),
        ({"commune": "saint-malo", "name": "   "}, "name"),
    ],
)
def test_bad_create_input_is_a_400_on_the_field(commune, founder_api, payload, field):
    response = founder_api.post(
        LIST, {"boundary": geojson(square(SAINT_MALO)), **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_only_a_validated_resident_creates(commune, api_client):
    stranger = UserFactory(location=Point(*SAINT_MALO, srid=4326))
    payload = {"commune": "saint-malo", "name": "Essai", "boundary": geojson(square(SAINT_MALO))}
    assert token_client(stranger).post(LIST, payload, format="json").status_code == 403
    assert api_client.post(LIST, payload, format="json").status_code == 401
    assert not Community.objects.exists()


def test_a_member_cannot_create_another(commune, community, member_api, member):
    payload = {
        "commune": "saint-malo",
        "name": "Deuxième",
        "boundary": geojson(square(offset(SAINT_MALO, 2000, 0))),
    }
    member.location = Point(*offset(SAINT_MALO, 2000, 0), srid=4326)
    type(member).objects.filter(pk=member.pk).update(location=member.location)
    response = member_api.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


# --- editing (CTY-11, CTY-12) --------------------------------------------------------------------


def test_the_referent_renames_and_presents(community, referent, referent_api):
    response = referent_api.patch(
        url(community),
        {"name": "Les Remparts", "presentation": "Bienvenue.", "show_photo": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["presentation"]) == (
        "Les Remparts",
        "Bienvenue.",
    )
    community.refresh_from_db()
    assert community.showcase_page.title == "Les Remparts"
    assert Membership.objects.get(user=referent).show_photo_publicly is True
    assert HistoryEntry.objects.filter(community=community, kind="renamed").exists()
    # Only what is sent changes.
    response = referent_api.patch(url(community), {"show_photo": False}, format="json")
    assert response.json()["presentation"] == "Bienvenue."
    assert Membership.objects.get(user=referent).show_photo_publicly is False


def test_a_bad_edit_changes_nothing(community, referent_api):
    response = referent_api.patch(
        url(community), {"name": "Nouveau", "presentation": "x" * 1001}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"presentation"}
    community.refresh_from_db()
    assert community.name == "Intra-muros"


def test_only_a_referent_edits(community, member_api, api_client, neighbour_community):
    other_referent = token_client(referent_of(neighbour_community))
    for client in (member_api, other_referent):
        assert client.patch(url(community), {"name": "X"}, format="json").status_code == 403
    assert api_client.patch(url(community), {"name": "X"}, format="json").status_code == 401
    community.refresh_from_db()
    assert community.name == "Intra-muros"


# --- my community, requests to join (CTY-4, CTY-6) -----------------------------------------------


def test_my_community_when_none(resident_api):
    response = resident_api.get(MINE)
    assert response.status_code == 200
    assert response.json() == {
        "status": "none",
        "community": None,
        "is_referent": False,
        "requested_at": None,
        "decided_at": None,
        "last_refusal": None,
    }


def test_ask_to_join_then_again(
    commune, community, referent, django_capture_on_commit_callbacks, mailoutbox
):
    person = person_at(commune, offset(SAINT_MALO, 30, 30))
    client = token_client(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(community, "membership-requests/"))
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["community"]["id"], body["is_referent"]) == (
        "pending",
        community.pk,
        False,
    )
    assert referent.email in [to for m in mailoutbox for to in m.to]
    again = client.post(url(community, "membership-requests/"))
    assert again.status_code == 200
    assert Membership.objects.filter(user=person).count() == 1
    assert client.get(MINE).json()["status"] == "pending"


def test_a_request_needs_a_home_inside_and_a_validated_resident(commune, community):
    far = person_at(commune, offset(SAINT_MALO, 3000, 0))
    response = token_client(far).post(url(community, "membership-requests/"))
    assert response.status_code == 400
    stranger = UserFactory(location=Point(*SAINT_MALO, srid=4326))
    assert token_client(stranger).post(url(community, "membership-requests/")).status_code == 403
    assert token_client(stranger).post(url(999999, "membership-requests/")).status_code == 404


def test_one_community_per_account(community, neighbour_community, member_api):
    response = member_api.post(url(neighbour_community, "membership-requests/"))
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_withdraw_a_pending_request(applicant):
    client = token_client(applicant)
    assert client.delete(MINE).status_code == 204
    applicant.membership.refresh_from_db()
    assert applicant.membership.status == Membership.Status.WITHDRAWN
    assert client.get(MINE).json()["status"] == "none"
    assert client.delete(MINE).status_code == 404


def test_leave_the_community(community, member, member_api):
    assert member_api.delete(MINE).status_code == 204
    assert not Membership.objects.members().filter(user=member).exists()
    assert HistoryEntry.objects.filter(community=community, kind="left", person=member).exists()


def test_the_only_referent_hands_over_before_leaving(community, referent_api):
    response = referent_api.delete(MINE)
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_nobody_to_leave_is_a_404(resident_api, api_client):
    assert resident_api.delete(MINE).status_code == 404
    assert api_client.get(MINE).status_code == 401
    assert api_client.delete(MINE).status_code == 401


def test_the_referent_lists_pending_requests_with_what_deciding_needs(
    community, applicant, referent_api
):
    response = referent_api.get(url(community, "membership-requests/"))
    assert response.status_code == 200
    (entry,) = response.json()["results"]
    assert entry["id"] == applicant.membership.pk
    assert (entry["status"], entry["escalated"]) == ("pending", False)
    person = entry["person"]
    assert (person["first_name"], person["last_name"]) == ("Anne", "Postulante")
    assert person["address"].startswith("3 Rue du Puits")
    assert person["presentation"] == "Infirmière de nuit."
    assert person["email"] is None and person["mobile"] is None and person["birth_date"] is None
    assert SECRET_EMAIL not in response.content.decode()


def test_a_member_who_does_not_decide_gets_403(community, applicant, member_api):
    assert member_api.get(url(community, "membership-requests/")).status_code == 403
    decision = url(community, f"membership-requests/{applicant.membership.pk}/decision/")
    assert member_api.post(decision, {"accept": True}, format="json").status_code == 403


def test_in_platform_staff_mode_the_staff_decide(community, applicant, referent_api, moderator):
    Community.objects.filter(pk=community.pk).update(validation_mode=ValidationMode.PLATFORM_STAFF)
    assert referent_api.get(url(community, "membership-requests/")).status_code == 403
    staff = token_client(moderator)
    response = staff.get(url(community, "membership-requests/"))
    assert response.status_code == 200
    assert response.json()["results"][0]["person"]["address"].startswith("3 Rue du Puits")
    decision = url(community, f"membership-requests/{applicant.membership.pk}/decision/")
    assert staff.post(decision, {"accept": True}, format="json").status_code == 200


def test_accept_a_request(community, applicant, referent_api):
    decision = url(community, f"membership-requests/{applicant.membership.pk}/decision/")
    response = referent_api.post(decision, {"accept": True}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "member"
    assert token_client(applicant).get(MINE).json()["status"] == "member"
    again = referent_api.post(decision, {"accept": True}, format="json")
    assert again.status_code == 400


def test_refuse_a_request_with_a_reason(community, applicant, referent_api):
    decision = url(community, f"membership-requests/{applicant.membership.pk}/decision/")
    response = referent_api.post(decision, {"accept": False}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"reason"}
    response = referent_api.post(
        decision, {"accept": False, "reason": "Adresse introuvable"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["refusal_reason"]) == (
        "refused",
        "Adresse introuvable",
    )
    mine = token_client(applicant).get(MINE).json()
    assert mine["status"] == "none"
    assert mine["last_refusal"]["reason"] == "Adresse introuvable"
    assert mine["last_refusal"]["community"]["id"] == community.pk
    # Asking again clears the refusal from view.
    token_client(applicant).post(url(community, "membership-requests/"))
    assert token_client(applicant).get(MINE).json()["last_refusal"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"accept": "yes"},
        {"accept": 1},
        {"accept": True, "reason": "Bienvenue"},
        {"accept": False, "reason": 3},
    ],
)
def test_bad_decisions_are_400(community, applicant, referent_api, payload):
    decision = url(community, f"membership-requests/{applicant.membership.pk}/decision/")
    assert referent_api.post(decision, payload, format="json").status_code == 400
    applicant.membership.refresh_from_db()
    assert applicant.membership.status == Membership.Status.PENDING


def test_a_request_of_another_community_is_a_404(
    community, neighbour_community, applicant, referent_api
):
    other = token_client(referent_of(neighbour_community))
    decision = url(neighbour_community, f"membership-requests/{applicant.membership.pk}/decision/")
    assert other.post(decision, {"accept": True}, format="json").status_code == 404
    wrong = url(community, "membership-requests/999999/decision/")
    assert referent_api.post(wrong, {"accept": True}, format="json").status_code == 404


# --- members only: directory and history (CTY-9, CTY-13) -----------------------------------------


def test_the_directory_through_the_privacy_matrix(commune, community, member_api, referent):
    secret = person_at(
        commune,
        offset(SAINT_MALO, -20, -20),
        first_name="Zoé",
        last_name="Zèbre",
        email=SECRET_EMAIL,
        mobile="+33611223344",
        landline="+33299001122",
        hide_landline=True,
        address="9 Rue Secrète 35400 Saint-Malo",
    )
    join(community, secret)
    response = member_api.get(url(community, "members/"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    first = body["results"][0]
    assert first["is_referent"] is True
    assert first["person"]["id"] == referent.pk
    assert [r["is_referent"] for r in body["results"]] == [True, False, False, False]
    zoe = next(r["person"] for r in body["results"] if r["person"]["last_name"] == "Zèbre")
    assert zoe["relation"] == "same_community"
    assert zoe["mobile"] == "+33611223344"
    assert zoe["landline"] is None
    assert zoe["address"].startswith("9 Rue Secrète")
    assert zoe["email"] is None and zoe["birth_date"] is None
    assert SECRET_EMAIL not in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_directory_queries_do_not_grow(commune, count, django_assert_max_num_queries):
    community = make_community(commune, members=count)
    client = token_client(ordinary_member(community))
    client.get(url(community, "members/"))
    # 7 measured for 3 and for 30: site, commune of the host, token, the community, the
    # platform-staff check, count and the page (cards and référent badges in its query).
    with django_assert_max_num_queries(7):
        response = client.get(url(community, "members/"))
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(count + 1, 20)


def test_the_history(commune, community, member, member_api, referent):
    response = member_api.get(url(community, "history/"))
    assert response.status_code == 200
    events = response.json()["results"]
    assert [e["event"] for e in events][-1] == "created"
    joined = [e for e in events if e["event"] == "joined"]
    assert len(joined) == 2
    assert joined[-1]["actor"]["id"] == referent.pk
    services.community_rename(by=referent, community=community, name="Remparts")
    renamed = member_api.get(url(community, "history/")).json()["results"][0]
    assert renamed["event"] == "renamed"
    assert renamed["person"] is None
    assert renamed["data"] == {"old": "Intra-muros", "new": "Remparts"}


MEMBERS_ONLY = ["members/", "history/"]
DECIDERS_ONLY = ["membership-requests/", "merge-proposals/"]


@pytest.mark.parametrize("kind", OUTSIDERS)
@pytest.mark.parametrize("suffix", MEMBERS_ONLY + DECIDERS_ONLY)
def test_outsiders_see_nothing_of_the_community(
    community, applicant, neighbour_community, mayor, kind, suffix
):
    client = outsider_client(
        kind, applicant=applicant, neighbour_community=neighbour_community, mayor=mayor
    )
    response = client.get(url(community, suffix))
    assert response.status_code == (401 if kind == "anonymous" else 404)
    body = response.content.decode()
    assert "Régis" not in body and "Postulante" not in body


@pytest.mark.parametrize("kind", OUTSIDERS)
def test_outsiders_cannot_decide(community, applicant, neighbour_community, mayor, kind):
    client = outsider_client(
        kind, applicant=applicant, neighbour_community=neighbour_community, mayor=mayor
    )
    decision = url(community, f"membership-requests/{applicant.membership.pk}/decision/")
    response = client.post(decision, {"accept": True}, format="json")
    assert response.status_code == (401 if kind == "anonymous" else 404)
    applicant.membership.refresh_from_db()
    assert applicant.membership.status == Membership.Status.PENDING


@pytest.mark.parametrize("kind", ["pending_member", "member_elsewhere", "commune_staff"])
@pytest.mark.parametrize(
    ("suffix", "payload"),
    [
        ("referents/", {"action": "give_up"}),
        ("exclusion-requests/", {"member": 1, "reason": "Insultes"}),
        ("invitations/", {"channel": "email", "recipient": "voisin@example.org"}),
        ("merge-proposals/", {"other": 1, "keep": "this"}),
    ],
)
def test_outsiders_cannot_act_in_the_community(
    community, applicant, neighbour_community, mayor, kind, suffix, payload
):
    client = outsider_client(
        kind, applicant=applicant, neighbour_community=neighbour_community, mayor=mayor
    )
    if "member" in payload:
        payload = {**payload, "member": ordinary_member(community).pk}
    if "other" in payload:
        payload = {**payload, "other": neighbour_community.pk}
    response = client.post(url(community, suffix), payload, format="json")
    assert response.status_code == 403
    assert not Exclusion.objects.exists()
    assert not Invitation.objects.exists()
    assert not MergeProposal.objects.exists()


# --- référents (CTY-7) ---------------------------------------------------------------------------


def test_grant_transfer_give_up_and_remove(community, referent, referent_api, member):
    other = (
        Membership.objects.members()
        .filter(community=community, is_referent=False)
        .exclude(user=member)
        .get()
        .user
    )
    response = referent_api.post(
        url(community, "referents/"), {"action": "grant", "member": member.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_referent"] is True
    assert response.json()["person"]["id"] == member.pk
    response = referent_api.post(
        url(community, "referents/"), {"action": "remove", "member": member.pk}, format="json"
    )
    assert response.json()["is_referent"] is False
    response = referent_api.post(
        url(community, "referents/"), {"action": "transfer", "member": other.pk}, format="json"
    )
    assert response.status_code == 200
    assert not Membership.objects.get(user=referent).is_referent
    assert Membership.objects.get(user=other).is_referent
    kinds = set(HistoryEntry.objects.filter(community=community).values_list("kind", flat=True))
    assert {"referent_granted", "referent_removed", "referent_transferred"} <= kinds
    # The new référent grants the former one back, who then gives the role up.
    token_client(other).post(
        url(community, "referents/"), {"action": "grant", "member": referent.pk}, format="json"
    )
    response = referent_api.post(url(community, "referents/"), {"action": "give_up"}, format="json")
    assert response.status_code == 200
    assert response.json() == {**response.json(), "is_referent": False}


def test_the_last_referent_cannot_give_up(community, referent_api):
    response = referent_api.post(url(community, "referents/"), {"action": "give_up"}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "crown", "member": 1}, "action"),
        ({"action": "grant"}, "member"),
        ({"action": "grant", "member": "1"}, "member"),
        ({"action": "grant", "member": True}, "member"),
        ({"action": "grant", "member": 999999}, "member"),
        ({"action": "grant", "member": 2**70}, "member"),
    ],
)
def test_bad_referent_changes_are_400(community, referent_api, payload, field):
    response = referent_api.post(url(community, "referents/"), payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_a_referent_of_a_non_member_is_refused(community, referent_api, applicant):
    response = referent_api.post(
        url(community, "referents/"), {"action": "grant", "member": applicant.pk}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"member"}


def test_a_member_cannot_grant(community, member, member_api):
    response = member_api.post(
        url(community, "referents/"), {"action": "grant", "member": member.pk}, format="json"
    )
    assert response.status_code == 403


# --- exclusions (CTY-8) --------------------------------------------------------------------------


def test_ask_for_an_exclusion(community, referent, referent_api, member):
    response = referent_api.post(
        url(community, "exclusion-requests/"),
        {"member": member.pk, "reason": "Menaces répétées"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["reason"], body["member"]["id"]) == (
        "requested",
        "Menaces répétées",
        member.pk,
    )
    assert Exclusion.objects.get().requested_by == referent
    again = referent_api.post(
        url(community, "exclusion-requests/"),
        {"member": member.pk, "reason": "Encore"},
        format="json",
    )
    assert again.status_code == 400
    assert set(again.json()) == {"member"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "x"}, "member"),
        ({"member": 999999, "reason": "x"}, "member"),
        ({"member": "self", "reason": "x"}, "member"),
        ({"member": "member", "reason": ""}, "reason"),
        ({"member": "member", "reason": "x" * 1001}, "reason"),
    ],
)
def test_bad_exclusion_requests_are_400(community, referent, referent_api, member, payload, field):
    payload = {
        **payload,
        **(
            {"member": {"self": referent.pk, "member": member.pk}[payload["member"]]}
            if isinstance(payload.get("member"), str)
            else {}
        ),
    }
    response = referent_api.post(url(community, "exclusion-requests/"), payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_a_member_cannot_ask_for_an_exclusion(community, member_api, referent):
    response = member_api.post(
        url(community, "exclusion-requests/"), {"member": referent.pk, "reason": "x"}, format="json"
    )
    assert response.status_code == 403


# --- invitations (CTY-10) ------------------------------------------------------------------------


def test_a_member_invites_a_neighbour(community, member, member_api):
    response = member_api.post(
        url(community, "invitations/"),
        {"channel": "email", "recipient": "voisin@example.org"},
        format="json",
    )
    assert response.status_code == 201
    assert set(response.json()) == {"id", "channel", "sent_at"}
    assert "voisin@example.org" not in response.content.decode()
    sms = member_api.post(
        url(community, "invitations/"),
        {"channel": "sms", "recipient": "06 12 34 56 78"},
        format="json",
    )
    assert sms.status_code == 201
    assert Invitation.objects.filter(sender=member).count() == 2


def test_the_same_person_once_a_day(community, member_api):
    payload = {"channel": "email", "recipient": "voisin@example.org"}
    assert (
        member_api.post(url(community, "invitations/"), payload, format="json").status_code == 201
    )
    again = member_api.post(url(community, "invitations/"), payload, format="json")
    assert again.status_code == 400
    assert set(again.json()) == {"recipient"}


@override_settings(COMMUNITY_INVITATIONS_PER_DAY=2)
def test_invitations_are_limited_per_day(community, member_api):
    for n in range(2):
        payload = {"channel": "email", "recipient": f"voisin{n}@example.org"}
        assert (
            member_api.post(url(community, "invitations/"), payload, format="json").status_code
            == 201
        )
    response = member_api.post(
        url(community, "invitations/"),
        {"channel": "email", "recipient": "x@example.org"},
        format="json",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "pigeon", "recipient": "x@example.org"}, "channel"),
        ({"channel": "email", "recipient": "not an address"}, "recipient"),
        ({"channel": "sms", "recipient": "12"}, "recipient"),
        ({"channel": "sms", "recipient": 612345678}, "recipient"),
        ({"channel": "email"}, "recipient"),
    ],
)
def test_bad_invitations_are_400(community, member_api, payload, field):
    response = member_api.post(url(community, "invitations/"), payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}


# --- merges (CTY-12) -----------------------------------------------------------------------------


@pytest.fixture
def adjacent(commune, community):
    """Rocabey, just north of Intra-muros (a metre apart: merging needs no shared border)."""
    center = offset(SAINT_MALO, 0, 401)
    return make_community(
        commune,
        center,
        name="Rocabey",
        referent=person_at(commune, center, first_name="Rose", last_name="Rocabey"),
    )


def test_propose_agree_and_cancel_a_merge(community, adjacent, referent_api, moderator):
    response = referent_api.post(
        url(community, "merge-proposals/"), {"other": adjacent.pk, "keep": "this"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kept"]["id"], body["absorbed"]["id"]) == (community.pk, adjacent.pk)
    assert (body["kept_agreed"], body["absorbed_agreed"], body["status"]) == (True, False, "open")
    other = token_client(referent_of(adjacent))
    listed = other.get(url(adjacent, "merge-proposals/")).json()["results"]
    assert [p["id"] for p in listed] == [body["id"]]
    # The proposing side already agreed: agreeing again is not theirs to do.
    assert referent_api.post(f"/api/v1/merge-proposals/{body['id']}/agree/").status_code == 403
    response = other.post(f"/api/v1/merge-proposals/{body['id']}/agree/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["absorbed_agreed"]) == ("agreed", True)
    response = other.post(f"/api/v1/merge-proposals/{body['id']}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert other.post(f"/api/v1/merge-proposals/{body['id']}/cancel/").status_code == 400


def test_keep_other(community, adjacent, referent_api):
    response = referent_api.post(
        url(community, "merge-proposals/"), {"other": adjacent.pk, "keep": "other"}, format="json"
    )
    assert (response.json()["kept"]["id"], response.json()["absorbed_name"]) == (
        adjacent.pk,
        "Intra-muros",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"other": 999999, "keep": "this"}, "other"),
        ({"other": "self", "keep": "this"}, "other"),
        ({"other": "adjacent"}, "keep"),
        ({"other": "adjacent", "keep": "both"}, "keep"),
        ({"keep": "this"}, "other"),
    ],
)
def test_bad_merge_proposals_are_400(community, adjacent, referent_api, payload, field):
    if isinstance(payload.get("other"), str):
        payload = {
            **payload,
            "other": {"self": community.pk, "adjacent": adjacent.pk}[payload["other"]],
        }
    response = referent_api.post(url(community, "merge-proposals/"), payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_communities_of_another_commune_do_not_merge(community, other_commune, referent_api):
    from tests.communities import COCODY

    abidjan = make_community(other_commune, COCODY, name="Riviera")
    response = referent_api.post(
        url(community, "merge-proposals/"), {"other": abidjan.pk, "keep": "this"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"other"}


def test_strangers_do_not_see_a_proposal(community, adjacent, referent, member_api, resident_api):
    proposal = services.merge_propose(by=referent, community=community, other=adjacent, keep="this")
    for client in (member_api, resident_api):
        for action in ("agree", "cancel"):
            response = client.post(f"/api/v1/merge-proposals/{proposal.pk}/{action}/")
            assert response.status_code == 404
    assert member_api.get(url(community, "merge-proposals/")).status_code == 403
    assert token_client(root()).get(url(community, "merge-proposals/")).status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.OPEN


# --- methods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("put", ""),
        ("delete", ""),
        ("post", "members/"),
        ("delete", "history/"),
        ("get", "invitations/"),
        ("get", "referents/"),
        ("get", "exclusion-requests/"),
        ("patch", "membership-requests/"),
    ],
)
def test_methods_not_allowed(community, referent_api, method, suffix):
    response = getattr(referent_api, method)(url(community, suffix), {}, format="json")
    assert response.status_code == 405


def test_methods_not_allowed_elsewhere(community, referent_api):
    assert referent_api.put(LIST, {}, format="json").status_code == 405
    assert referent_api.post(f"{LIST}covering/", {}, format="json").status_code == 405
    assert referent_api.post(MINE, {}, format="json").status_code == 405
    assert referent_api.get("/api/v1/merge-proposals/1/agree/").status_code == 405


def test_the_site_session_works_too(client, community, member):
    client.force_login(member)
    assert client.get(url(community, "members/")).status_code == 200
