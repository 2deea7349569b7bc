"""Communities in the Wagtail admin: platform staff (CTY-2/4/5/8/12) and partner town halls
(COM-2)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Polygon
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.menu import admin_menu

from accounts.staff import platform_staff_group
from communes.admin_views import sync_partner_staff_group
from communes.models import Commune, StaffRole
from communities import services
from communities.models import (
    Community,
    Exclusion,
    Membership,
    MergeProposal,
    MergeSide,
    ValidationMode,
)
from core.tenancy import commune_for_site
from tests.communities import (
    SAINT_MALO,
    join,
    make_community,
    offset,
    person_at,
    referent_of,
    square,
)
from tests.factories import UserFactory
from tests.follows import grant
from tests.two_factor import verified_login

HOST = "saint-malo.localhost"
PLATFORM = "localhost"
Role = StaffRole.Role


def admin_client(user, host=PLATFORM) -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def assert_refused(response):
    """Wagtail turns PermissionDenied into a redirect to the dashboard (or a 403)."""
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response.url == reverse("wagtailadmin_home") or "login" in response.url


def menu_names(user, host=PLATFORM) -> set[str]:
    from django.contrib.sessions.middleware import SessionMiddleware
    from wagtail.models import Site

    # The admin's URLs first: they register the viewsets' menu items, and Wagtail builds
    # its menu once per process (as on a real first request, which resolves a URL first).
    reverse("wagtailadmin_home")
    request = RequestFactory().get("/admin/", HTTP_HOST=host)
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = user
    request.commune = commune_for_site(Site.find_for_request(request))
    names = set()
    for item in admin_menu.menu_items_for_request(request):
        names.add(item.name)
        if hasattr(item, "menu"):
            names |= {child.name for child in item.menu.menu_items_for_request(request)}
    return names


def error_messages(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


@pytest.fixture
def staff(db):
    user = UserFactory(first_name="Sandrine", last_name="Modération")
    user.groups.add(platform_staff_group())
    return user


@pytest.fixture
def staff_client(staff):
    return admin_client(staff)


@pytest.fixture
def community(commune):
    return make_community(commune, members=2)


def admin_user():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def spread(commune, count: int, start: int = 0) -> list[Community]:
    """``count`` communities 1 km apart, east of Saint-Malo."""
    return [
        make_community(
            commune,
            offset(SAINT_MALO, 1000 * (i + 1), 0),
            name=f"Quartier {i}",
            referent=person_at(commune, offset(SAINT_MALO, 1000 * (i + 1), 0)),
        )
        for i in range(start, start + count)
    ]


def assert_constant_queries(client, url, add_rows, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    add_rows()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    return response


# --- who gets in ---------------------------------------------------------------------------


STAFF_URLS = [
    "communities_admin",
    "communities_admin_requests",
    "communities_admin_exclusions",
    "communities_admin_merges",
]


def test_platform_staff_see_the_communities_menu(staff, commune):
    names = menu_names(staff)
    assert {
        "communities",
        "communities-all",
        "communities-requests",
        "communities-exclusions",
        "communities-merges",
        "communities-kit",
    } <= names


@pytest.mark.parametrize("url_name", STAFF_URLS)
def test_other_admin_users_are_refused(commune, url_name):
    editor = admin_user()
    editor.groups.add(commune.editors_group)
    mayor = grant(commune, UserFactory(), Role.MAYOR).user
    for user in (editor, mayor):
        assert "communities" not in menu_names(user)
        assert_refused(admin_client(user).get(reverse(url_name)))


def test_a_resident_is_sent_to_log_in(commune, community):
    client = Client(HTTP_HOST=PLATFORM)
    client.force_login(person_at(commune, SAINT_MALO))
    response = client.get(reverse("communities_admin"))
    assert response.status_code == 302
    assert "login" in response.url
    response = client.get(reverse("communities_admin_detail", args=[community.pk]))
    assert response.status_code == 302


def test_writes_are_refused_to_non_staff(commune, community):
    mayor = grant(commune, UserFactory(), Role.MAYOR).user
    client = admin_client(mayor)
    assert_refused(
        client.post(
            reverse("communities_admin_detail", args=[community.pk]),
            {"action": "cap", "cap-lifted": "1"},
        )
    )
    community.refresh_from_db()
    assert not community.area_cap_lifted


# --- the list and one community -------------------------------------------------------------


def test_staff_list_every_community_with_its_figures(staff_client, commune, other_commune):
    community = make_community(commune, members=2)
    response = staff_client.get(reverse("communities_admin"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Intra-muros" in content and "Saint-Malo" in content
    row = response.context["communities"][0]
    assert row.member_count == 3
    assert row.area_km2 == pytest.approx(0.16, rel=0.01)
    data = json.loads(
        content.split('id="communities-map-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["features"][0]["properties"]["name"] == "Intra-muros"
    assert data["features"][0]["geometry"]["type"] == "Polygon"
    assert reverse("communities_admin_detail", args=[community.pk]) in content
    # No member is named in the list.
    assert "Régis" not in content


def test_list_costs_the_same_queries_for_3_and_30_communities(
    staff_client, commune, django_assert_max_num_queries
):
    spread(commune, 3)
    response = assert_constant_queries(
        staff_client,
        reverse("communities_admin"),
        lambda: spread(commune, 27, start=3),
        django_assert_max_num_queries,
    )
    assert len(response.context["communities"]) == 30


def test_staff_lift_and_restore_the_area_cap(staff_client, community):
    url = reverse("communities_admin_detail", args=[community.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"action": "cap", "cap-lifted": "1"})
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.area_cap_lifted
    # A rural community now covers 4 km²: the cap cannot come back.
    staff = response.wsgi_request.user
    services.community_set_boundary(by=staff, community=community, area=square(SAINT_MALO, 2000))
    response = staff_client.post(url, {"action": "cap", "cap-lifted": "0"})
    assert response.status_code == 200
    assert response.context["forms"]["cap"].errors
    community.refresh_from_db()
    assert community.area_cap_lifted


def test_staff_change_the_validation_mode(staff_client, community):
    url = reverse("communities_admin_detail", args=[community.pk])
    response = staff_client.post(
        url, {"action": "mode", "mode-validation_mode": ValidationMode.PLATFORM_STAFF}
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.validation_mode == ValidationMode.PLATFORM_STAFF
    response = staff_client.post(url, {"action": "mode", "mode-validation_mode": "nobody"})
    assert response.status_code == 200
    assert response.context["forms"]["mode"].errors


def test_staff_redraw_a_boundary(staff_client, commune, community):
    url = reverse("communities_admin_detail", args=[community.pk])
    bigger = square(SAINT_MALO, 600)
    response = staff_client.post(url, {"action": "boundary", "boundary-area": bigger.geojson})
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.area_m2 == pytest.approx(360_000, rel=0.01)
    assert community.history.filter(kind="boundary_changed").exists()


def test_a_refused_boundary_is_a_form_error_not_a_crash(staff_client, commune, community):
    neighbour = make_community(
        commune,
        offset(SAINT_MALO, 1000, 0),
        name="Saint-Servan",
        referent=person_at(commune, offset(SAINT_MALO, 1000, 0)),
    )
    url = reverse("communities_admin_detail", args=[community.pk])
    before = community.area.wkt
    overlapping = square(offset(SAINT_MALO, 400, 0), 900)  # reaches Saint-Servan
    response = staff_client.post(url, {"action": "boundary", "boundary-area": overlapping.geojson})
    assert response.status_code == 200
    errors = response.context["forms"]["boundary"].errors
    assert neighbour.name in str(errors)
    # Leaving members' homes outside is refused too; garbage is a form error.
    tiny = square(offset(SAINT_MALO, -300, 0), 100)
    response = staff_client.post(url, {"action": "boundary", "boundary-area": tiny.geojson})
    assert response.status_code == 200 and response.context["forms"]["boundary"].errors
    response = staff_client.post(url, {"action": "boundary", "boundary-area": "{not json"})
    assert response.status_code == 200 and response.context["forms"]["boundary"].errors
    community.refresh_from_db()
    assert community.area.wkt == before


def test_unknown_community_is_404(staff_client, db):
    assert staff_client.get(reverse("communities_admin_detail", args=[999999])).status_code == 404


# --- membership requests --------------------------------------------------------------------


def staff_mode(community):
    from tests.follows import root

    services.community_set_validation_mode(
        by=root(), community=community, mode=ValidationMode.PLATFORM_STAFF
    )


def asker(commune, i: int = 0):
    return person_at(
        commune, offset(SAINT_MALO, -5 * (i + 1), -4), first_name="Anne", last_name=f"Demande{i}"
    )


def test_staff_accept_a_request_of_a_community_in_platform_staff_mode(
    staff_client, commune, community
):
    staff_mode(community)
    person = asker(commune)
    membership = services.membership_request(user=person, community=community)
    response = staff_client.get(reverse("communities_admin_requests"))
    assert response.status_code == 200
    assert "Demande0" in response.content.decode()
    response = staff_client.post(
        reverse("communities_admin_request_decide", args=[membership.pk]), {"accept": "1"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.MEMBER


def test_escalated_requests_come_to_staff_and_a_refusal_needs_a_reason(
    staff_client, commune, community
):
    person = asker(commune)
    membership = services.membership_request(user=person, community=community)
    # In "by a référent" mode and not escalated: not the staff's.
    response = staff_client.get(reverse("communities_admin_requests"))
    assert "Demande0" not in response.content.decode()
    url = reverse("communities_admin_request_decide", args=[membership.pk])
    assert staff_client.post(url, {"accept": "1"}).status_code == 404
    Membership.objects.filter(pk=membership.pk).update(escalated_at=timezone.now())
    assert "Demande0" in staff_client.get(reverse("communities_admin_requests")).content.decode()
    response = staff_client.post(url, {"accept": "0", "reason": ""})
    assert response.status_code == 302 and error_messages(response)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    response = staff_client.post(url, {"accept": "0", "reason": "Adresse hors du quartier"})
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REFUSED
    assert membership.refusal_reason == "Adresse hors du quartier"
    # Deciding twice: the request is no longer in the list.
    assert staff_client.post(url, {"accept": "1"}).status_code == 404


def test_partner_town_hall_mode_sends_requests_to_staff(staff_client, commune, community):
    Commune.objects.filter(pk=commune.pk).update(
        is_partner=True, community_validation_mode=ValidationMode.PLATFORM_STAFF
    )
    services.membership_request(user=asker(commune), community=community)
    assert "Demande0" in staff_client.get(reverse("communities_admin_requests")).content.decode()
    # The community's own "by the platform" mode yields to the town hall's "by a référent".
    Commune.objects.filter(pk=commune.pk).update(community_validation_mode=ValidationMode.REFERENT)
    staff_mode(community)
    assert (
        "Demande0" not in staff_client.get(reverse("communities_admin_requests")).content.decode()
    )


def test_requests_list_costs_the_same_queries_for_3_and_30(
    staff_client, commune, community, django_assert_max_num_queries
):
    staff_mode(community)
    for i in range(3):
        services.membership_request(user=asker(commune, i), community=community)

    def more():
        for i in range(3, 30):
            services.membership_request(user=asker(commune, i), community=community)

    response = assert_constant_queries(
        staff_client, reverse("communities_admin_requests"), more, django_assert_max_num_queries
    )
    assert len(response.context["memberships"]) == 30


# --- exclusions -----------------------------------------------------------------------------


def ask_exclusion(community, member, reason="Comportement agressif envers les voisins"):
    return services.exclusion_request(
        by=referent_of(community), community=community, member=member, reason=reason
    )


def test_staff_execute_then_lift_an_exclusion(staff_client, commune, community):
    member = Membership.objects.members().filter(community=community, is_referent=False).first()
    exclusion = ask_exclusion(community, member.user)
    response = staff_client.get(reverse("communities_admin_exclusions"))
    content = response.content.decode()
    assert "Comportement agressif" in content
    assert member.user.get_full_name() in content
    assert referent_of(community).get_full_name() in content
    response = staff_client.post(
        reverse("communities_admin_exclusion_decide", args=[exclusion.pk]),
        {"execute": "1", "note": "Signalements répétés"},
    )
    assert response.status_code == 302
    exclusion.refresh_from_db()
    assert exclusion.status == Exclusion.Status.EXECUTED
    assert exclusion.staff_note == "Signalements répétés"
    member.refresh_from_db()
    assert member.status == Membership.Status.EXCLUDED
    # Executed: listed with "allow a new request".
    response = staff_client.get(reverse("communities_admin_exclusions"))
    assert response.context["executed"][0].pk == exclusion.pk
    response = staff_client.post(reverse("communities_admin_exclusion_lift", args=[exclusion.pk]))
    assert response.status_code == 302
    exclusion.refresh_from_db()
    assert exclusion.lifted_at is not None
    # Lifting twice is a message, not a crash.
    response = staff_client.post(reverse("communities_admin_exclusion_lift", args=[exclusion.pk]))
    assert response.status_code == 302 and error_messages(response)


def test_staff_reject_an_exclusion(staff_client, commune, community):
    member = Membership.objects.members().filter(community=community, is_referent=False).first()
    exclusion = ask_exclusion(community, member.user)
    response = staff_client.post(
        reverse("communities_admin_exclusion_decide", args=[exclusion.pk]),
        {"execute": "0", "note": ""},
    )
    assert response.status_code == 302
    exclusion.refresh_from_db()
    assert exclusion.status == Exclusion.Status.REJECTED
    member.refresh_from_db()
    assert member.status == Membership.Status.MEMBER
    assert (
        staff_client.post(
            reverse("communities_admin_exclusion_decide", args=[exclusion.pk]), {"execute": "1"}
        ).status_code
        == 404
    )


def test_exclusions_list_costs_the_same_queries_for_3_and_30(
    staff_client, commune, django_assert_max_num_queries
):
    community = make_community(commune, members=30)
    members = list(
        Membership.objects.members()
        .filter(community=community, is_referent=False)
        .select_related("user")
    )
    for membership in members[:3]:
        ask_exclusion(community, membership.user)

    def more():
        for membership in members[3:]:
            ask_exclusion(community, membership.user)

    response = assert_constant_queries(
        staff_client, reverse("communities_admin_exclusions"), more, django_assert_max_num_queries
    )
    assert len(response.context["requested"]) == 30


# --- merges -------------------------------------------------------------------------------


def neighbours(commune):
    """Two communities sharing their east/west edge exactly."""
    west = make_community(commune, name="Ouest")
    ring = west.area.exterior_ring.coords  # SW, SE, NE, NW, SW
    (sw_x, _), (se_x, se_y), (ne_x, ne_y) = ring[0], ring[1], ring[2]
    width = se_x - sw_x
    east_area = Polygon(
        [
            (se_x, se_y),
            (se_x + width, se_y),
            (ne_x + width, ne_y),
            (ne_x, ne_y),
            (se_x, se_y),
        ],
        srid=4326,
    )
    home = ((se_x + width / 2), (se_y + ne_y) / 2)
    referent = person_at(commune, home, first_name="Erwan", last_name="Est")
    east = services.community_create(user=referent, commune=commune, name="Est", area=east_area)
    return west, east


def agreed(absorbed, kept):
    proposal = services.merge_propose(
        by=referent_of(absorbed), community=absorbed, other=kept, keep="other"
    )
    return services.merge_agree(by=referent_of(kept), proposal=proposal)


def test_staff_execute_an_agreed_merge(staff_client, commune):
    west, east = neighbours(commune)
    join(west, person_at(commune, offset(SAINT_MALO, -50, 0)))
    proposal = agreed(west, east)
    assert proposal.status == MergeProposal.Status.AGREED
    response = staff_client.get(reverse("communities_admin_merges"))
    content = response.content.decode()
    assert "Ouest" in content and "Est" in content
    response = staff_client.post(reverse("communities_admin_merge_execute", args=[proposal.pk]))
    assert response.status_code == 302
    assert not error_messages(response)
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.EXECUTED
    assert not Community.objects.filter(pk=west.pk).exists()
    assert Membership.objects.members().filter(community=east).count() == 3


def test_a_merge_the_service_refuses_is_a_message_not_a_crash(staff_client, commune):
    west = make_community(commune, name="Ouest")
    far = offset(SAINT_MALO, 2000, 0)
    east = make_community(commune, far, name="Loin", referent=person_at(commune, far))
    proposal = agreed(west, east)
    response = staff_client.post(reverse("communities_admin_merge_execute", args=[proposal.pk]))
    assert response.status_code == 302
    assert error_messages(response)
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.AGREED
    # Cancelling works from the same screen.
    response = staff_client.post(reverse("communities_admin_merge_cancel", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.CANCELLED


def test_merges_list_costs_the_same_queries_for_3_and_30(
    staff_client, commune, django_assert_max_num_queries
):
    communities = spread(commune, 7)
    pairs = [(a, b) for a in communities for b in communities if a.pk != b.pk]

    def propose(chosen):
        for absorbed, kept in chosen:
            proposal = MergeProposal.objects.create(
                kept=kept,
                proposed_by=referent_of(absorbed),
                status=MergeProposal.Status.AGREED,
            )
            for side in (kept, absorbed):
                MergeSide.objects.create(
                    proposal=proposal,
                    community=side,
                    community_name=side.name,
                    agreed_by=referent_of(side),
                    agreed_at=timezone.now(),
                )

    propose(pairs[:3])
    response = assert_constant_queries(
        staff_client,
        reverse("communities_admin_merges"),
        lambda: propose(pairs[3:30]),
        django_assert_max_num_queries,
    )
    assert len(response.context["merges"]) == 30


# --- partner town hall (COM-2) ------------------------------------------------------------


@pytest.fixture
def partner_commune(commune):
    Commune.objects.filter(pk=commune.pk).update(is_partner=True)
    commune.refresh_from_db()
    return commune


@pytest.fixture
def mayor(partner_commune):
    return grant(
        partner_commune, UserFactory(first_name="Gilles", last_name="Lurton"), Role.MAYOR
    ).user


@pytest.fixture
def council(partner_commune):
    return grant(partner_commune, UserFactory(), Role.COUNCIL).user


def test_partner_town_hall_staff_see_their_communities_without_people(
    partner_commune, mayor, council, community
):
    url = reverse("communities_partner", args=[partner_commune.pk])
    for user in (mayor, council):
        assert "commune-communities" in menu_names(user, HOST)
        client = admin_client(user, HOST)
        home = client.get(reverse("communities_partner_home"))
        assert home.status_code == 302 and home.url == url
        response = client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Intra-muros" in content
        assert response.context["communities"][0].member_count == 3
        assert "partner-communities-map-data" in content
        # Names of communities and counts; the référents' names only for the mayor, who
        # holds contact_referents (COM-2); never an e-mail, never another member.
        for membership in Membership.objects.filter(community=community).select_related("user"):
            assert membership.user.email not in content
            if user == council or not membership.is_referent:
                assert membership.user.get_full_name() not in content


def test_hosting_partner_staff_see_the_partner_page(partner, partner_commune, community):
    user = UserFactory()
    partner.staff.add(user)
    sync_partner_staff_group()
    client = admin_client(user, HOST)
    assert client.get(reverse("communities_partner", args=[partner_commune.pk])).status_code == 200
    assert (
        client.get(reverse("communities_partner_settings", args=[partner_commune.pk])).status_code
        == 200
    )


def test_the_mayor_sets_the_validation_mode_and_the_police_contact(
    partner_commune, mayor, community
):
    client = admin_client(mayor, HOST)
    url = reverse("communities_partner_settings", args=[partner_commune.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "community_validation_mode": ValidationMode.PLATFORM_STAFF,
            "police_name": "Police municipale de Saint-Malo",
            "police_email": "police@saint-malo.example",
            "police_phone": "+33299400000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    partner_commune.refresh_from_db()
    assert partner_commune.community_validation_mode == ValidationMode.PLATFORM_STAFF
    assert partner_commune.police_email == "police@saint-malo.example"
    assert str(partner_commune.police_phone) == "+33299400000"
    community = Community.objects.select_related("commune").get(pk=community.pk)
    assert community.effective_validation_mode == ValidationMode.PLATFORM_STAFF
    # A bad value is a form error.
    response = client.post(url, {"community_validation_mode": "nobody", "police_email": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_council_members_cannot_change_the_settings(partner_commune, council):
    client = admin_client(council, HOST)
    url = reverse("communities_partner_settings", args=[partner_commune.pk])
    assert_refused(client.get(url))
    assert_refused(client.post(url, {"community_validation_mode": "platform_staff"}))
    partner_commune.refresh_from_db()
    assert partner_commune.community_validation_mode == ""


def test_staff_of_a_non_partner_commune_get_nothing(commune, community):
    mayor = grant(commune, UserFactory(), Role.MAYOR).user
    assert "commune-communities" not in menu_names(mayor, HOST)
    client = admin_client(mayor, HOST)
    assert_refused(client.get(reverse("communities_partner_home")))
    assert_refused(client.get(reverse("communities_partner", args=[commune.pk])))
    assert_refused(client.get(reverse("communities_partner_settings", args=[commune.pk])))


def test_staff_of_another_commune_get_nothing(partner_commune, other_commune, community):
    Commune.objects.filter(pk=other_commune.pk).update(is_partner=True)
    mayor = grant(other_commune, UserFactory(), Role.MAYOR).user
    client = admin_client(mayor, "cocody.localhost")
    home = client.get(reverse("communities_partner_home"))
    assert home.url == reverse("communities_partner", args=[other_commune.pk])
    assert_refused(client.get(reverse("communities_partner", args=[partner_commune.pk])))
    response = client.post(
        reverse("communities_partner_settings", args=[partner_commune.pk]),
        {"community_validation_mode": "platform_staff"},
    )
    assert_refused(response)
    partner_commune.refresh_from_db()
    assert partner_commune.community_validation_mode == ""


def test_a_resident_gets_no_partner_page(partner_commune, community):
    client = Client(HTTP_HOST=HOST)
    client.force_login(referent_of(community))
    response = client.get(reverse("communities_partner", args=[partner_commune.pk]))
    assert response.status_code == 302 and "login" in response.url


def test_the_hosting_partner_flags_a_partner_town_hall(partner, commune):
    user = UserFactory()
    partner.staff.add(user)
    sync_partner_staff_group()
    client = admin_client(user)
    url = reverse("commune:edit", args=[commune.pk])
    form = client.get(url).context["form"]
    assert "is_partner" in form.fields
    data = {
        "name": "Saint-Malo",
        "country": "FR",
        "official_code": "35288",
        "postal_codes": "35400",
        "time_zone": "Europe/Paris",
        "population": "46000",
        "plan": "",
        "theme": "default",
        "contact_email": "",
        "contact_phone": "",
        "contact_address": "",
        "opening_hours": "",
        "is_partner": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    commune.refresh_from_db()
    assert commune.is_partner


def test_partner_list_costs_the_same_queries_for_3_and_30(
    partner_commune, mayor, django_assert_max_num_queries
):
    spread(partner_commune, 3)
    response = assert_constant_queries(
        admin_client(mayor, HOST),
        reverse("communities_partner", args=[partner_commune.pk]),
        lambda: spread(partner_commune, 27, start=3),
        django_assert_max_num_queries,
    )
    assert len(response.context["communities"]) == 30
