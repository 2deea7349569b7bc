"""The platform staff's community actions in the API: /api/v1/platform/ (API-1, CTY-2,
CTY-4, CTY-5, CTY-8)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from accounts.staff import platform_staff_group
from communes.models import StaffRole
from communities import services
from communities.models import Exclusion, HistoryEntry, Membership, ValidationMode
from tests.api.conftest import token_client
from tests.communities import (
    APPLICANT_EMAIL,
    SAINT_MALO,
    geojson,
    make_community,
    offset,
    ordinary_member,
    pending_applicant,
    person_at,
    referent_of,
    square,
)
from tests.factories import UserFactory
from tests.follows import grant

BASE = "/api/v1/platform/"
COMMUNITIES = f"{BASE}communities/"
REQUESTS = f"{BASE}membership-requests/"
EXCLUSIONS = f"{BASE}exclusions/"
SECRET_EMAIL = APPLICANT_EMAIL
COMMUNITY_FIELDS = {
    "id",
    "name",
    "created_at",
    "commune",
    "member_count",
    "pending_request_count",
    "area_m2",
    "area_cap_lifted",
    "validation_mode",
    "effective_validation_mode",
}


@pytest.fixture
def community(commune):
    return make_community(commune, members=2)


@pytest.fixture
def neighbour(commune):
    """Saint-Servan, 600 m east, touching nothing."""
    return make_community(
        commune,
        offset(SAINT_MALO, 600, 0),
        name="Saint-Servan",
        referent=person_at(commune, offset(SAINT_MALO, 600, 0), first_name="Nadia"),
    )


@pytest.fixture
def staff(db):
    user = UserFactory(first_name="Mona", last_name="Dératrice")
    user.groups.add(platform_staff_group())
    return user


@pytest.fixture
def staff_api(staff):
    return token_client(staff)


@pytest.fixture
def applicant(commune, community):
    """A neighbour inside the community whose request is pending."""
    return pending_applicant(commune, community)


@pytest.fixture
def exclusion(community):
    return services.exclusion_request(
        by=referent_of(community),
        community=community,
        member=ordinary_member(community),
        reason="Insultes répétées.",
    )


def outsider(kind, community, commune):
    if kind == "anonymous":
        return APIClient()
    if kind == "referent":
        return token_client(referent_of(community))
    if kind == "member":
        return token_client(ordinary_member(community))
    mayor = grant(commune, UserFactory(), StaffRole.Role.MAYOR).user
    return token_client(mayor)


def every_call(community, exclusion, applicant):
    return [
        ("get", COMMUNITIES, None),
        ("get", f"{COMMUNITIES}{community.pk}/", None),
        ("patch", f"{COMMUNITIES}{community.pk}/", {"area_cap_lifted": True}),
        ("get", REQUESTS, None),
        ("post", f"{REQUESTS}{applicant.membership.pk}/decision/", {"accept": True}),
        ("get", EXCLUSIONS, None),
        ("post", f"{EXCLUSIONS}{exclusion.pk}/decision/", {"execute": True}),
        ("post", f"{EXCLUSIONS}{exclusion.pk}/lift/", None),
    ]


# --- who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("anonymous", 401), ("referent", 403), ("member", 403), ("mayor", 403)],
)
def test_only_platform_staff_get_in(kind, expected, commune, community, exclusion, applicant):
    client = outsider(kind, community, commune)
    for method, url, body in every_call(community, exclusion, applicant):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == expected, (method, url)
    community.refresh_from_db()
    assert community.area_cap_lifted is False
    assert Membership.objects.get(pk=applicant.membership.pk).status == Membership.Status.PENDING
    assert Exclusion.objects.get(pk=exclusion.pk).status == Exclusion.Status.REQUESTED


@pytest.mark.parametrize(
    "url",
    [
        f"{COMMUNITIES}999999/",
        f"{REQUESTS}999999/decision/",
        f"{EXCLUSIONS}999999/decision/",
        f"{EXCLUSIONS}999999/lift/",
        f"{COMMUNITIES}99999999999999999999/",
    ],
)
def test_unknown_ids_are_404(staff_api, url):
    method = staff_api.get if url.startswith(COMMUNITIES) else staff_api.post
    body = {"accept": True} if "membership" in url else {"execute": True}
    assert method(url, body, format="json").status_code == 404


# --- communities -----------------------------------------------------------------------------


def test_the_list_shows_counts_area_cap_and_mode(staff_api, community, neighbour, applicant):
    response = staff_api.get(COMMUNITIES)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert set(first) == COMMUNITY_FIELDS
    assert (first["id"], second["id"]) == (community.pk, neighbour.pk)
    assert first["commune"] == {"slug": "saint-malo", "name": "Saint-Malo"}
    assert (first["member_count"], first["pending_request_count"]) == (3, 1)
    assert (second["member_count"], second["pending_request_count"]) == (1, 0)
    assert first["area_m2"] == pytest.approx(160_000, rel=0.02)
    assert first["area_cap_lifted"] is False
    assert first["validation_mode"] == first["effective_validation_mode"] == "referent"
    assert "Régis" not in response.content.decode()


def test_the_list_filters_by_commune_and_name(
    staff_api, commune, other_commune, community, neighbour
):
    from tests.communities import COCODY

    riviera = make_community(other_commune, COCODY, name="Riviera")
    by_commune = staff_api.get(COMMUNITIES, {"commune": "cocody"}).json()
    assert [row["id"] for row in by_commune["results"]] == [riviera.pk]
    by_name = staff_api.get(COMMUNITIES, {"q": "servan"}).json()
    assert [row["id"] for row in by_name["results"]] == [neighbour.pk]
    both = staff_api.get(COMMUNITIES, {"commune": "cocody", "q": "servan"}).json()
    assert both["count"] == 0
    response = staff_api.get(COMMUNITIES, {"commune": "nowhere"})
    assert response.status_code == 400
    assert set(response.json()) == {"commune"}


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_queries_do_not_grow(staff_api, commune, count, django_assert_max_num_queries):
    for number in range(count):
        make_community(
            commune,
            offset(SAINT_MALO, 450 * (number % 6), 450 * (number // 6)),
            side_m=300,
            name=f"Quartier {number:02d}",
        )
    staff_api.get(COMMUNITIES)
    # Site, commune of the host, token, staff group, count and page: 6 for 2 and for 12.
    with django_assert_max_num_queries(6):
        response = staff_api.get(COMMUNITIES)
    assert response.json()["count"] == count


def test_read_one_community_with_its_boundary(staff_api, community):
    response = staff_api.get(f"{COMMUNITIES}{community.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == COMMUNITY_FIELDS | {"boundary"}
    assert body["boundary"] == geojson(community.area)
    assert body["member_count"] == 3


def test_lift_and_restore_the_area_cap(staff_api, community):
    url = f"{COMMUNITIES}{community.pk}/"
    response = staff_api.patch(url, {"area_cap_lifted": True}, format="json")
    assert response.status_code == 200
    assert response.json()["area_cap_lifted"] is True
    community.refresh_from_db()
    assert community.area_cap_lifted is True
    # A larger boundary (1.44 km²) once the cap is lifted, then the cap cannot come back.
    big = square(SAINT_MALO, 1200)
    assert staff_api.patch(url, {"boundary": geojson(big)}, format="json").status_code == 200
    response = staff_api.patch(url, {"area_cap_lifted": False}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"area_cap_lifted"}
    community.refresh_from_db()
    assert community.area_cap_lifted is True
    # Redrawing it smaller and restoring the cap in one request: the boundary goes first.
    body = {"area_cap_lifted": False, "boundary": geojson(square(SAINT_MALO, 500))}
    response = staff_api.patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    community.refresh_from_db()
    assert community.area_cap_lifted is False
    assert community.area_m2 == pytest.approx(250_000, rel=0.02)


def test_lifting_the_cap_and_drawing_larger_in_one_request(staff_api, community):
    body = {"area_cap_lifted": True, "boundary": geojson(square(SAINT_MALO, 1200))}
    response = staff_api.patch(f"{COMMUNITIES}{community.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["area_m2"] == pytest.approx(1_440_000, rel=0.02)


def test_a_boundary_above_the_cap_is_refused_on_boundary(staff_api, community):
    body = {"boundary": geojson(square(SAINT_MALO, 1200))}
    response = staff_api.patch(f"{COMMUNITIES}{community.pk}/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"boundary"}


def test_redraw_a_boundary_to_resolve_an_overlap(staff_api, community, neighbour):
    url = f"{COMMUNITIES}{community.pk}/"
    overlapping = square(offset(SAINT_MALO, 300, 0), 500)
    response = staff_api.patch(
        url, {"boundary": geojson(overlapping), "validation_mode": "platform_staff"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["boundary"]
    assert "Saint-Servan" in response.json()["boundary"][0]
    community.refresh_from_db()
    assert community.validation_mode == ValidationMode.REFERENT  # nothing applied
    redrawn = square(offset(SAINT_MALO, 20, 0), 420)
    response = staff_api.patch(url, {"boundary": geojson(redrawn)}, format="json")
    assert response.status_code == 200
    assert response.json()["boundary"] == geojson(redrawn)
    assert HistoryEntry.objects.filter(
        community=community, kind=HistoryEntry.Kind.BOUNDARY_CHANGED
    ).exists()


def test_a_boundary_leaving_a_member_outside_is_refused(staff_api, community):
    away = square(offset(SAINT_MALO, 0, 300), 200)
    response = staff_api.patch(
        f"{COMMUNITIES}{community.pk}/", {"boundary": geojson(away)}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"boundary"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"validation_mode": "mayor"}, "validation_mode"),
        ({"area_cap_lifted": "yes"}, "area_cap_lifted"),
        ({"boundary": {"type": "Point", "coordinates": [0, 0]}}, "boundary"),
    ],
)
def test_bad_input_is_400_on_the_field(staff_api, community, body, field):
    response = staff_api.patch(f"{COMMUNITIES}{community.pk}/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_choose_the_validation_mode(staff_api, community):
    response = staff_api.patch(
        f"{COMMUNITIES}{community.pk}/", {"validation_mode": "platform_staff"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["validation_mode"] == "platform_staff"
    community.refresh_from_db()
    assert community.validation_mode == ValidationMode.PLATFORM_STAFF


# --- membership requests ---------------------------------------------------------------------


def test_the_staff_queue_holds_escalated_and_staff_mode_requests(
    staff_api, commune, community, neighbour, applicant
):
    assert staff_api.get(REQUESTS).json()["count"] == 0  # a référent decides it
    Membership.objects.filter(pk=applicant.membership.pk).update(escalated_at=timezone.now())
    newcomer = person_at(commune, offset(SAINT_MALO, 600, 20), first_name="Théo")
    neighbour.validation_mode = ValidationMode.PLATFORM_STAFF
    neighbour.save(update_fields=["validation_mode"])
    later = services.membership_request(user=newcomer, community=neighbour)
    response = staff_api.get(REQUESTS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [applicant.membership.pk, later.pk]
    first = rows[0]
    assert first["community"] == {
        "id": community.pk,
        "name": "Intra-muros",
        "commune": {"slug": "saint-malo", "name": "Saint-Malo"},
    }
    assert first["escalated"] is True and rows[1]["escalated"] is False
    assert first["status"] == "pending"
    person = first["person"]
    assert (person["first_name"], person["last_name"]) == ("Anne", "Postulante")
    assert person["address"] == "3 Rue du Puits 35400 Saint-Malo"
    assert person["email"] is None and person["mobile"] is None
    assert SECRET_EMAIL not in response.content.decode()


def test_the_request_queue_queries_do_not_grow(
    staff_api, commune, community, django_assert_max_num_queries
):
    community.validation_mode = ValidationMode.PLATFORM_STAFF
    community.save(update_fields=["validation_mode"])

    def ask(count):
        for i in range(count):
            person = person_at(commune, offset(SAINT_MALO, -20 - 3 * i, 10))
            services.membership_request(user=person, community=community)

    ask(2)
    staff_api.get(REQUESTS)
    with django_assert_max_num_queries(7) as few:
        staff_api.get(REQUESTS)
    ask(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_api.get(REQUESTS).json()["count"] == 12


def test_accept_a_request(staff_api, staff, community, applicant):
    url = f"{REQUESTS}{applicant.membership.pk}/decision/"
    response = staff_api.post(url, {"accept": True}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "member"
    assert response.json()["community"]["id"] == community.pk
    membership = Membership.objects.get(pk=applicant.membership.pk)
    assert (membership.status, membership.decided_by) == (Membership.Status.MEMBER, staff)
    # Deciding twice: the service's message.
    response = staff_api.post(url, {"accept": False, "reason": "Trop tard."}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [_("This request has already been decided or withdrawn.")]
    }


def test_a_refusal_needs_a_reason(staff_api, applicant):
    url = f"{REQUESTS}{applicant.membership.pk}/decision/"
    response = staff_api.post(url, {"accept": False}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"reason"}
    response = staff_api.post(url, {"accept": False, "reason": "Hors du quartier."}, format="json")
    assert response.status_code == 200
    assert response.json()["refusal_reason"] == "Hors du quartier."
    membership = Membership.objects.get(pk=applicant.membership.pk)
    assert membership.status == Membership.Status.REFUSED


def test_bad_decision_input_is_400(staff_api, applicant):
    url = f"{REQUESTS}{applicant.membership.pk}/decision/"
    response = staff_api.post(url, {"accept": "yes"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"accept"}


# --- exclusions ------------------------------------------------------------------------------


def test_the_requested_exclusions_with_people_as_staff_see_them(staff_api, community, exclusion):
    response = staff_api.get(EXCLUSIONS)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    (row,) = response.json()["results"]
    assert row["id"] == exclusion.pk
    assert row["status"] == "requested"
    assert row["reason"] == "Insultes répétées."
    assert row["community"]["id"] == community.pk
    assert row["member"]["id"] == exclusion.member_id
    assert row["member"]["relation"] == "platform_staff"
    assert row["member"]["email"] is None and row["member"]["address"] is None
    assert row["requested_by"]["first_name"] == "Régis"
    assert row["decided_at"] is None and row["lifted_at"] is None
    assert staff_api.get(EXCLUSIONS, {"status": "executed"}).json()["count"] == 0


def test_execute_then_lift_an_exclusion(staff_api, staff, community, exclusion):
    decide = f"{EXCLUSIONS}{exclusion.pk}/decision/"
    response = staff_api.post(decide, {"execute": True, "note": "Vu."}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["note"]) == ("executed", "Vu.")
    assert not Membership.objects.members().filter(user_id=exclusion.member_id).exists()
    stored = Exclusion.objects.get(pk=exclusion.pk)
    assert (stored.status, stored.decided_by) == (Exclusion.Status.EXECUTED, staff)
    # Deciding twice: the service's message.
    response = staff_api.post(decide, {"execute": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [_("This request has already been decided.")]}
    executed = staff_api.get(EXCLUSIONS, {"status": "executed"}).json()
    assert [row["id"] for row in executed["results"]] == [exclusion.pk]
    assert staff_api.get(EXCLUSIONS).json()["count"] == 0

    lift = f"{EXCLUSIONS}{exclusion.pk}/lift/"
    response = staff_api.post(lift)
    assert response.status_code == 200
    assert response.json()["lifted_at"] is not None
    assert Exclusion.objects.get(pk=exclusion.pk).lifted_at is not None
    response = staff_api.post(lift)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [_("Only an executed exclusion can be lifted.")]}
    lifted = staff_api.get(EXCLUSIONS, {"status": "lifted"}).json()
    assert [row["id"] for row in lifted["results"]] == [exclusion.pk]
    assert staff_api.get(EXCLUSIONS, {"status": "executed"}).json()["count"] == 0


def test_reject_an_exclusion(staff_api, community, exclusion):
    response = staff_api.post(
        f"{EXCLUSIONS}{exclusion.pk}/decision/", {"execute": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert Membership.objects.members().filter(user_id=exclusion.member_id).exists()
    rejected = staff_api.get(EXCLUSIONS, {"status": "rejected"}).json()
    assert [row["id"] for row in rejected["results"]] == [exclusion.pk]
    response = staff_api.post(f"{EXCLUSIONS}{exclusion.pk}/lift/")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "execute"), ({"execute": 1}, "execute"), ({"execute": True, "note": 3}, "note")],
)
def test_bad_exclusion_decision_is_400(staff_api, exclusion, body, field):
    response = staff_api.post(f"{EXCLUSIONS}{exclusion.pk}/decision/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert Exclusion.objects.get(pk=exclusion.pk).status == Exclusion.Status.REQUESTED


def test_an_unknown_status_is_400(staff_api):
    response = staff_api.get(EXCLUSIONS, {"status": "everything"})
    assert response.status_code == 400
    assert set(response.json()) == {"status"}


def test_the_exclusion_list_queries_do_not_grow(staff_api, commune, django_assert_max_num_queries):
    def requests(count, start):
        for i in range(count):
            community = make_community(
                commune,
                offset(SAINT_MALO, 450 * (start + i), 0),
                side_m=300,
                name=f"Quartier {start + i}",
                members=1,
            )
            services.exclusion_request(
                by=referent_of(community),
                community=community,
                member=ordinary_member(community),
                reason="Spam.",
            )

    requests(2, 0)
    staff_api.get(EXCLUSIONS)
    with django_assert_max_num_queries(7) as few:
        staff_api.get(EXCLUSIONS)
    requests(6, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_api.get(EXCLUSIONS).json()["count"] == 8
