"""Site pages of communities (CTY), tested from the right and from the wrong side.

Texts are checked against the French wording and the English source alike
(``said``), so the tests do not depend on the French catalogue's exact words.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.staff import platform_staff_group
from communities import selectors, services
from communities.models import (
    Community,
    Exclusion,
    HistoryEntry,
    Invitation,
    Membership,
    MergeProposal,
)
from tests.communities import (
    COCODY,
    SAINT_MALO,
    join,
    make_community,
    offset,
    person_at,
    referent_of,
    square,
)
from tests.factories import UserFactory
from tests.follows import pending as follow_pending
from tests.follows import validated
from tests.two_factor import verified_login

HOST = "saint-malo.localhost"
OTHER_HOST = "cocody.localhost"


def said(response, *alternatives: str) -> bool:
    """One of the wordings (French or English source) is in the page."""
    text = response.content.decode()
    return any(re.search(alternative, text, re.IGNORECASE) for alternative in alternatives)


@pytest.fixture
def client_for():
    def build(user=None, host=HOST, **kwargs):
        client = Client(HTTP_HOST=host, **kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture
def community(commune):
    return make_community(commune, name="Intra-muros")


@pytest.fixture
def referent(community):
    return referent_of(community)


@pytest.fixture
def member(commune, community):
    person = person_at(
        commune,
        offset(SAINT_MALO, 20, 10),
        first_name="Nina",
        last_name="Voisine",
        mobile="+33612345678",
        landline="+33299000000",
        address="3 rue des Cordiers 35400 Saint-Malo",
    )
    return join(community, person)


@pytest.fixture
def neighbour(commune, community):
    """A validated resident living inside the community, not (yet) a member."""
    return person_at(
        commune,
        offset(SAINT_MALO, -30, 40),
        first_name="Paul",
        last_name="Demandeur",
        address="8 rue de Dinan 35400 Saint-Malo",
        presentation="Retraité, j'arrose les plantes des voisins.",
        mobile="+33698765432",
    )


@pytest.fixture
def pending_member(neighbour, community):
    services.membership_request(user=neighbour, community=community)
    return neighbour


@pytest.fixture
def staff(db):
    person = UserFactory(first_name="Sam", last_name="Support")
    platform_staff_group().user_set.add(person)
    return person


def members_only_paths(community, person) -> list[str]:
    pk = community.pk
    return [
        f"/communautes/{pk}/",
        f"/communautes/{pk}/annuaire/",
        f"/communautes/{pk}/historique/",
        f"/communautes/{pk}/inviter/",
        f"/communautes/{pk}/demandes/",
        f"/communautes/{pk}/referents/",
        f"/communautes/{pk}/parametres/",
        f"/communautes/{pk}/fusion/",
        f"/communautes/{pk}/exclusion/{person.pk}/",
    ]


def referent_only_paths(community, person) -> list[str]:
    return members_only_paths(community, person)[4:]


def geojson(polygon) -> str:
    return polygon.geojson


# --- public list and boundaries (CTY-3) ------------------------------------------------------


def test_list_shows_name_creation_date_and_member_count_to_anyone(client_for, community, member):
    response = client_for().get("/communautes/")
    assert response.status_code == 200
    assert "Intra-muros" in response.text
    assert said(response, r"2 membres", r"2 members")
    assert community.created_at.strftime("%Y") in response.text


def test_list_shows_no_personal_data(client_for, community, referent, member):
    response = client_for().get("/communautes/")
    for secret in (
        referent.email,
        referent.first_name,
        member.email,
        member.last_name,
        "Cordiers",
        "+33612345678",
        "06 12 34 56 78",
    ):
        assert secret not in response.text


def test_list_links_to_the_showcase_page(client_for, community):
    response = client_for().get("/communautes/")
    page = community.showcase_page
    assert page.url_path.rstrip("/").rsplit("/", 1)[-1] in response.text


def test_list_on_a_commune_host_shows_only_its_communities(
    client_for, commune, other_commune, community
):
    make_community(other_commune, COCODY, name="Riviera Golf")
    response = client_for().get("/communautes/")
    assert "Intra-muros" in response.text
    assert "Riviera Golf" not in response.text


def test_list_on_the_platform_host_groups_and_filters_by_country_and_commune(
    client_for, commune, other_commune, community
):
    make_community(other_commune, COCODY, name="Riviera Golf")
    platform = client_for(host="testserver")
    everything = platform.get("/communautes/")
    assert everything.status_code == 200
    assert "Intra-muros" in everything.text and "Riviera Golf" in everything.text
    assert "Saint-Malo" in everything.text and "Cocody" in everything.text

    ivory = platform.get("/communautes/", {"country": "CI"})
    assert "Riviera Golf" in ivory.text and "Intra-muros" not in ivory.text
    malo = platform.get("/communautes/", {"commune": "saint-malo"})
    assert "Intra-muros" in malo.text and "Riviera Golf" not in malo.text
    nowhere = platform.get("/communautes/", {"commune": "atlantide"})
    assert nowhere.status_code == 200
    assert "Intra-muros" not in nowhere.text and "Riviera Golf" not in nowhere.text
    odd = platform.get("/communautes/", {"country": "<script>", "page": "x"})
    assert odd.status_code == 200 and "Intra-muros" in odd.text


def _add_communities(commune, start: int, stop: int) -> None:
    for index in range(start, stop):
        row, column = divmod(index, 6)
        center = offset(SAINT_MALO, 2000 + 500 * column, 500 * row)
        make_community(commune, center, name=f"Quartier {index:02d}")


@pytest.mark.parametrize("host", [HOST, "testserver"])
def test_list_queries_constant(client_for, commune, host):
    _add_communities(commune, 0, 3)
    client = client_for(host=host)
    client.get("/communautes/")  # warm caches (Wagtail's site root paths)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/communautes/").status_code == 200
    _add_communities(commune, 3, 30)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/communautes/")
    assert "Quartier 29" in response.text
    assert len(many) == len(few)


def test_boundaries_are_public_geojson_without_personal_data(
    client_for, community, referent, member
):
    response = client_for().get("/communautes/limites.geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert set(feature["properties"]) == {"name", "commune", "member_count", "url"}
    assert feature["properties"]["name"] == "Intra-muros"
    assert feature["properties"]["member_count"] == 2
    assert feature["properties"]["url"]
    for secret in (referent.email, member.email, member.last_name, "Cordiers"):
        assert secret not in response.text


def test_boundaries_queries_constant(client_for, commune):
    _add_communities(commune, 0, 3)
    client = client_for()
    client.get("/communautes/limites.geojson")  # warm caches
    with CaptureQueriesContext(connection) as few:
        client.get("/communautes/limites.geojson")
    _add_communities(commune, 3, 12)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/communautes/limites.geojson")
    assert len(response.json()["features"]) == 12
    assert len(many) == len(few)


# --- who sees a community's pages (CTY-4) ----------------------------------------------------


def test_pending_member_sees_nothing_of_the_community(
    client_for, community, member, pending_member
):
    client = client_for(pending_member)
    for path in members_only_paths(community, member):
        assert client.get(path).status_code == 404, path
        posted = client.post(path, {"action": "grant", "reason": "x"})
        assert posted.status_code in (404, 405), path  # 405: a page without a form
    assert Membership.objects.get(user=pending_member).status == Membership.Status.PENDING


def test_member_of_other_community_gets_404(client_for, commune, community, member):
    other = make_community(commune, offset(SAINT_MALO, 2000, 0), name="Paramé")
    stranger = referent_of(other)
    client = client_for(stranger)
    for path in members_only_paths(community, member):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/communautes/{other.pk}/").status_code == 200


def test_resident_who_is_not_a_member_gets_404(client_for, community, member, neighbour):
    client = client_for(neighbour)
    for path in members_only_paths(community, member):
        assert client.get(path).status_code == 404, path


def test_anonymous_visitor_is_sent_to_login(client_for, community, member):
    client = client_for()
    for path in [*members_only_paths(community, member), "/communautes/creer/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/compte/connexion/?next="), path


def test_unknown_community_is_404(client_for, member):
    client = client_for(member)
    assert client.get("/communautes/999999/").status_code == 404
    assert client.get("/communautes/99999999999999999999/annuaire/").status_code == 404


def test_plain_member_gets_404_on_referent_pages(client_for, community, member, referent):
    client = client_for(member)
    for path in referent_only_paths(community, referent):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"action": "give_up"}).status_code == 404, path  # all forms
    assert Exclusion.objects.count() == 0


def test_community_pages_404_on_another_communes_host(client_for, other_commune, community, member):
    client = client_for(member, host=OTHER_HOST)
    for path in members_only_paths(community, member)[:4]:
        assert client.get(path).status_code == 404, path


def test_platform_host_sends_a_member_to_the_communes_host(client_for, community, member):
    response = client_for(member, host="testserver").get(f"/communautes/{community.pk}/")
    assert response.status_code == 302
    assert "saint-malo.localhost" in response["Location"]
    assert response["Location"].endswith(f"/communautes/{community.pk}/")
    posted = client_for(member, host="testserver").post(f"/communautes/{community.pk}/inviter/")
    assert posted.status_code == 404


# --- the community's page, directory and history (CTY-9, CTY-13) -----------------------------


def test_detail_shows_name_member_count_and_referents(client_for, community, referent, member):
    response = client_for(member).get(f"/communautes/{community.pk}/")
    assert response.status_code == 200
    assert "Intra-muros" in response.text
    assert referent.get_full_name() in response.text
    assert said(response, "2 membres", "2 members")
    assert f"/communautes/{community.pk}/demandes/" not in response.text  # not a référent


def test_detail_tells_referents_of_pending_requests(
    client_for, community, referent, pending_member
):
    response = client_for(referent).get(f"/communautes/{community.pk}/")
    assert f"/communautes/{community.pk}/demandes/" in response.text
    assert said(response, r"1 demande", r"1 request")


def test_directory_shows_members_referent_badge_phones_and_address(
    client_for, community, referent, member
):
    response = client_for(referent).get(f"/communautes/{community.pk}/annuaire/")
    assert response.status_code == 200
    assert "Nina Voisine" in response.text
    assert referent.get_full_name() in response.text
    # Shown in national format, dialled in E.164.
    assert '<a href="tel:+33612345678">06 12 34 56 78</a>' in response.text
    assert '<a href="tel:+33299000000">02 99 00 00 00</a>' in response.text
    assert "3 rue des Cordiers" in response.text
    assert response.text.count("data-referent-badge") == 1


def test_directory_hides_hidden_mobile(client_for, community, referent, member):
    member.hide_mobile = True
    member.save(update_fields=["hide_mobile"])
    response = client_for(referent).get(f"/communautes/{community.pk}/annuaire/")
    assert "Nina Voisine" in response.text
    assert "+33612345678" not in response.text
    assert "06 12 34 56 78" not in response.text
    assert "02 99 00 00 00" in response.text  # the landline is still shown


def test_directory_never_shows_email(client_for, community, referent, member):
    for viewer in (referent, member):
        response = client_for(viewer).get(f"/communautes/{community.pk}/annuaire/")
        assert response.status_code == 200
        assert referent.email not in response.text
        assert member.email not in response.text
        assert "@example.org" not in response.text


def test_directory_shows_the_pseudonym_instead_of_the_real_name(
    client_for, community, referent, member
):
    member.pseudonym = "Nina des Remparts"
    member.save(update_fields=["pseudonym"])
    response = client_for(referent).get(f"/communautes/{community.pk}/annuaire/")
    assert "Nina des Remparts" in response.text
    assert "Voisine" not in response.text


def test_directory_lists_no_pending_or_former_member(
    client_for, community, referent, member, pending_member
):
    services.membership_leave(user=member)
    response = client_for(referent).get(f"/communautes/{community.pk}/annuaire/")
    assert "Nina" not in response.text
    assert "Demandeur" not in response.text


def test_directory_offers_exclusion_requests_to_referents_only(
    client_for, community, referent, member
):
    link = f"/communautes/{community.pk}/exclusion/{member.pk}/"
    assert link in client_for(referent).get(f"/communautes/{community.pk}/annuaire/").text
    own = f"/communautes/{community.pk}/exclusion/{referent.pk}/"
    assert own not in client_for(referent).get(f"/communautes/{community.pk}/annuaire/").text
    assert link not in client_for(member).get(f"/communautes/{community.pk}/annuaire/").text


@pytest.mark.parametrize("count", [3, 30])
def test_directory_queries_constant(client_for, commune, community, referent, count):
    for index in range(count):
        join(community, person_at(commune, offset(SAINT_MALO, index, -index)))
    client = client_for(referent)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/communautes/{community.pk}/annuaire/")
    assert response.text.count("data-member") == count + 1
    # session, user, 2FA (2), member access, is référent, count, page of people, staff groups
    assert len(queries) <= 14  # 12 + the header's unread count + the alerts banner


def test_history_shows_arrivals_and_role_changes_with_names(
    client_for, community, referent, member
):
    services.referent_grant(by=referent, community=community, user=member)
    response = client_for(member).get(f"/communautes/{community.pk}/historique/")
    assert response.status_code == 200
    assert "Nina Voisine" in response.text
    assert referent.get_full_name() in response.text
    assert member.email not in response.text
    assert "Cordiers" not in response.text
    kinds = HistoryEntry.objects.filter(community=community).values_list("kind", flat=True)
    assert {"created", "joined", "referent_granted"} <= set(kinds)


def test_history_is_paginated(client_for, community, referent, member):
    for index in range(35):
        services.community_rename(by=referent, community=community, name=f"Intra-muros {index}")
    client = client_for(member)
    latest = "→ « Intra-muros 34 »"
    assert latest in client.get(f"/communautes/{community.pk}/historique/").text
    second = client.get(f"/communautes/{community.pk}/historique/", {"page": 2})
    assert second.status_code == 200
    assert latest not in second.text
    assert "→ « Intra-muros 0 »" in second.text


# --- creating a community (CTY-1, CTY-2) -----------------------------------------------------


@pytest.fixture
def creator(commune):
    return person_at(commune, offset(SAINT_MALO, 3000, 0), first_name="Yann", last_name="Bâtisseur")


def test_create_makes_the_creator_referent(client_for, creator):
    client = client_for(creator)
    form = client.get("/communautes/creer/")
    assert form.status_code == 200
    assert "leaflet.draw.js" in form.text
    response = client.post(
        "/communautes/creer/",
        {"name": "Rochebonne", "area": geojson(square(offset(SAINT_MALO, 3000, 0), 300))},
    )
    community = Community.objects.get(name="Rochebonne")
    assert response.status_code == 302
    assert response["Location"] == f"/communautes/{community.pk}/"
    membership = Membership.objects.get(user=creator)
    assert membership.is_referent and membership.status == Membership.Status.MEMBER
    page = client.get(response["Location"])
    assert "Rochebonne" in page.text


def test_create_accepts_wkt_without_javascript(client_for, creator):
    response = client_for(creator).post(
        "/communautes/creer/",
        {"name": "Rochebonne", "area": square(offset(SAINT_MALO, 3000, 0), 300).wkt},
    )
    assert response.status_code == 302
    assert Community.objects.filter(name="Rochebonne").exists()


def test_create_refuses_overlap_and_names_the_community(client_for, community, creator):
    # The creator's home is outside "Intra-muros" but the drawn square covers part of it.
    creator.location = Point(*offset(SAINT_MALO, 450, 0), srid=4326)
    creator.save(update_fields=["location"])
    response = client_for(creator).post(
        "/communautes/creer/",
        {"name": "Voisins", "area": geojson(square(offset(SAINT_MALO, 350, 0), 400))},
    )
    assert response.status_code == 200
    assert "Intra-muros" in response.text
    assert "errorlist" in response.text
    assert not Community.objects.filter(name="Voisins").exists()


@pytest.mark.parametrize(
    "area",
    [
        "",
        "n'importe quoi",
        '{"type": "Point", "coordinates": [-2, 48]}',
        '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}',
        "POLYGON((1 1, 2 2, 3 3))",
        "{broken json",
    ],
)
def test_create_shows_invalid_boundaries_as_form_errors(client_for, creator, area):
    response = client_for(creator).post("/communautes/creer/", {"name": "Rochebonne", "area": area})
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert not Community.objects.exists()


def test_create_refuses_a_boundary_too_big(client_for, creator):
    big = square(offset(SAINT_MALO, 3000, 0), 1500)
    response = client_for(creator).post("/communautes/creer/", {"name": "Tout", "area": big.wkt})
    assert response.status_code == 200
    assert said(response, "km²")
    assert not Community.objects.exists()


def test_create_refuses_a_boundary_without_the_home(client_for, creator):
    away = square(offset(SAINT_MALO, 5000, 0), 300)
    response = client_for(creator).post(
        "/communautes/creer/", {"name": "Ailleurs", "area": away.wkt}
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert not Community.objects.exists()


def test_create_needs_a_name(client_for, creator):
    area = square(offset(SAINT_MALO, 3000, 0), 300).wkt
    response = client_for(creator).post("/communautes/creer/", {"name": "  ", "area": area})
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert not Community.objects.exists()


def test_create_is_for_validated_residents(client_for, commune):
    stranger = UserFactory(location=Point(*SAINT_MALO, srid=4326))
    response = client_for(stranger).get("/communautes/creer/")
    assert response.status_code == 403
    assert "/compte/communes/" in response.text  # how to follow the commune
    follow_pending(stranger, commune)
    assert client_for(stranger).get("/communautes/creer/").status_code == 403
    posted = client_for(stranger).post(
        "/communautes/creer/", {"name": "X", "area": square(SAINT_MALO).wkt}
    )
    assert posted.status_code == 403
    assert not Community.objects.exists()


def test_create_404s_on_the_platform_host(client_for, creator):
    assert client_for(creator, host="testserver").get("/communautes/creer/").status_code == 404


def test_create_offers_to_join_the_community_covering_the_home(client_for, community, neighbour):
    response = client_for(neighbour).get("/communautes/creer/")
    assert response.status_code == 200
    assert "Intra-muros" in response.text
    assert f"/communautes/{community.pk}/rejoindre/" in response.text
    assert "leaflet.draw.js" not in response.text


def test_create_asks_for_an_address_first(client_for, commune):
    person = validated(UserFactory(location=None), commune)
    response = client_for(person).get("/communautes/creer/")
    assert response.status_code == 200
    assert "/compte/adresse/" in response.text


def test_create_sends_a_member_to_their_community(client_for, member):
    response = client_for(member).get("/communautes/creer/")
    assert response.status_code == 302
    assert response["Location"] == "/communautes/ma-communaute/"


# --- my community, joining, leaving (CTY-4, CTY-6) -------------------------------------------


def test_mine_without_community_offers_the_covering_one(client_for, community, neighbour):
    response = client_for(neighbour).get("/communautes/ma-communaute/")
    assert response.status_code == 200
    assert "Intra-muros" in response.text
    assert f'action="/communautes/{community.pk}/rejoindre/"' in response.text


def test_mine_without_any_community_offers_to_create_one(client_for, creator):
    response = client_for(creator).get("/communautes/ma-communaute/")
    assert "/communautes/creer/" in response.text


def test_mine_when_pending_shows_the_date_and_a_withdraw_button(
    client_for, community, pending_member
):
    response = client_for(pending_member).get("/communautes/ma-communaute/")
    assert "Intra-muros" in response.text
    assert "data-withdraw" in response.text
    assert f"/communautes/{community.pk}/annuaire/" not in response.text


def test_mine_when_member_links_to_the_community(client_for, community, member):
    response = client_for(member).get("/communautes/ma-communaute/")
    assert f'href="/communautes/{community.pk}/"' in response.text


def test_mine_on_the_platform_host_links_to_the_communes_host(client_for, community, member):
    response = client_for(member, host="testserver").get("/communautes/ma-communaute/")
    assert response.status_code == 200
    assert f"saint-malo.localhost/communautes/{community.pk}/" in response.text


def test_refused_request_shows_its_reason(client_for, community, referent, pending_member):
    membership = Membership.objects.get(user=pending_member)
    services.membership_decide(
        membership=membership, by=referent, accept=False, reason="Adresse hors du quartier"
    )
    response = client_for(pending_member).get("/communautes/ma-communaute/")
    assert "Adresse hors du quartier" in response.text


def test_join_then_accept_sends_emails_and_opens_the_directory(
    client_for, community, referent, neighbour, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(neighbour).post(f"/communautes/{community.pk}/rejoindre/")
    assert response.status_code == 302
    assert response["Location"] == "/communautes/ma-communaute/"
    membership = Membership.objects.get(user=neighbour)
    assert membership.status == Membership.Status.PENDING
    assert [m.to for m in mail.outbox] == [[referent.email]]

    requests_page = client_for(referent).get(f"/communautes/{community.pk}/demandes/")
    assert "Paul Demandeur" in requests_page.text
    with django_capture_on_commit_callbacks(execute=True):
        decided = client_for(referent).post(
            f"/communautes/{community.pk}/demandes/",
            {"membership": membership.pk, f"r{membership.pk}-decision": "accept"},
        )
    assert decided.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.MEMBER
    assert mail.outbox[-1].to == [neighbour.email]
    directory = client_for(neighbour).get(f"/communautes/{community.pk}/annuaire/")
    assert directory.status_code == 200
    assert referent.get_full_name() in directory.text
    assert "data-referent-badge" in directory.text


def test_join_page_explains_a_home_outside(client_for, community, creator):
    response = client_for(creator).get(f"/communautes/{community.pk}/rejoindre/")
    assert response.status_code == 200
    assert "data-join" not in response.text
    posted = client_for(creator).post(f"/communautes/{community.pk}/rejoindre/")
    assert posted.status_code == 200
    assert "errorlist" in posted.text
    assert not Membership.objects.filter(user=creator).exists()


def test_join_is_for_validated_residents(client_for, commune, community):
    stranger = UserFactory(location=Point(*SAINT_MALO, srid=4326))
    response = client_for(stranger).post(f"/communautes/{community.pk}/rejoindre/")
    assert response.status_code == 403
    assert not Membership.objects.filter(user=stranger).exists()


def test_join_while_in_another_community_is_refused(client_for, commune, community, member):
    other = make_community(commune, offset(SAINT_MALO, 2000, 0), name="Paramé")
    response = client_for(member).post(f"/communautes/{other.pk}/rejoindre/")
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert Membership.objects.filter(user=member, status="member", community=community).exists()


def test_requests_show_name_address_and_presentation_but_no_phone_or_email(
    client_for, community, referent, pending_member
):
    response = client_for(referent).get(f"/communautes/{community.pk}/demandes/")
    assert response.status_code == 200
    assert "Paul Demandeur" in response.text
    assert "8 rue de Dinan" in response.text
    assert "arrose les plantes" in response.text
    assert "+33698765432" not in response.text
    assert pending_member.email not in response.text


def test_refusal_needs_a_reason(client_for, community, referent, pending_member):
    membership = Membership.objects.get(user=pending_member)
    response = client_for(referent).post(
        f"/communautes/{community.pk}/demandes/",
        {"membership": membership.pk, f"r{membership.pk}-decision": "refuse"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    client_for(referent).post(
        f"/communautes/{community.pk}/demandes/",
        {
            "membership": membership.pk,
            f"r{membership.pk}-decision": "refuse",
            f"r{membership.pk}-reason": "Nous ne vous connaissons pas.",
        },
    )
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REFUSED
    assert membership.refusal_reason == "Nous ne vous connaissons pas."


def test_deciding_an_unknown_request_is_harmless(client_for, community, referent, member):
    own = Membership.objects.get(user=member)
    for value in ("", "abc", "999999", str(own.pk)):
        response = client_for(referent).post(
            f"/communautes/{community.pk}/demandes/",
            {"membership": value, f"r{value}-decision": "refuse"},
        )
        assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == Membership.Status.MEMBER


def test_platform_staff_decide_on_the_requests_page(client_for, community, staff, pending_member):
    membership = Membership.objects.get(user=pending_member)
    client = client_for()
    verified_login(client, staff)
    page = client.get(f"/communautes/{community.pk}/demandes/")
    assert page.status_code == 200
    assert "Paul Demandeur" in page.text
    client.post(
        f"/communautes/{community.pk}/demandes/",
        {"membership": membership.pk, f"r{membership.pk}-decision": "accept"},
    )
    membership.refresh_from_db()
    assert membership.status == Membership.Status.MEMBER


def test_leave_asks_for_confirmation_then_leaves(client_for, community, member):
    client = client_for(member)
    confirm = client.get("/communautes/quitter/")
    assert confirm.status_code == 200
    assert "Intra-muros" in confirm.text
    assert Membership.objects.get(user=member, status__in=Membership.CURRENT)
    response = client.post("/communautes/quitter/")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=member, status__in=Membership.CURRENT).exists()
    assert client.get(f"/communautes/{community.pk}/").status_code == 404


def test_pending_member_withdraws_from_mine(client_for, pending_member):
    response = client_for(pending_member).post("/communautes/quitter/")
    assert response.status_code == 302
    assert Membership.objects.get(user=pending_member).status == Membership.Status.WITHDRAWN


def test_only_referent_cannot_leave_and_is_told_why(client_for, community, referent, member):
    response = client_for(referent).post("/communautes/quitter/")
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert Membership.objects.referents().filter(user=referent).exists()


def test_leave_without_community_redirects(client_for, creator):
    assert client_for(creator).post("/communautes/quitter/").status_code == 302


def test_posts_need_the_csrf_token(client_for, community, member):
    client = client_for(member, enforce_csrf_checks=True)
    assert client.post("/communautes/quitter/").status_code == 403
    assert client.post(f"/communautes/{community.pk}/inviter/").status_code == 403
    assert Membership.objects.filter(user=member, status="member").exists()


def test_other_methods_are_refused(client_for, community, member):
    client = client_for(member)
    assert client.put("/communautes/quitter/").status_code == 405
    assert client.delete(f"/communautes/{community.pk}/").status_code == 405
    assert client_for().post("/communautes/limites.geojson").status_code == 405


# --- référents (CTY-7) -----------------------------------------------------------------------


def test_referent_grants_then_removes_the_role(client_for, community, referent, member):
    client = client_for(referent)
    page = client.get(f"/communautes/{community.pk}/referents/")
    assert page.status_code == 200
    assert "Nina Voisine" in page.text
    url = f"/communautes/{community.pk}/referents/"
    assert client.post(url, {"action": "grant", "grant-member": member.pk}).status_code == 302
    assert Membership.objects.referents().filter(user=member).exists()
    assert client.post(url, {"action": "remove", "remove-member": member.pk}).status_code == 302
    assert not Membership.objects.referents().filter(user=member).exists()


def test_referent_transfers_the_role(client_for, community, referent, member):
    response = client_for(referent).post(
        f"/communautes/{community.pk}/referents/",
        {"action": "transfer", "transfer-member": member.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/communautes/{community.pk}/"
    assert Membership.objects.referents().filter(community=community).get().user == member


def test_last_referent_cannot_give_up(client_for, community, referent, member):
    response = client_for(referent).post(
        f"/communautes/{community.pk}/referents/", {"action": "give_up"}
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert Membership.objects.referents().filter(user=referent).exists()


def test_referent_gives_up_when_another_remains(client_for, community, referent, member):
    services.referent_grant(by=referent, community=community, user=member)
    response = client_for(referent).post(
        f"/communautes/{community.pk}/referents/", {"action": "give_up"}
    )
    assert response.status_code == 302
    assert not Membership.objects.referents().filter(user=referent).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "grant"},
        {"action": "grant", "grant-member": "abc"},
        {"action": "grant", "grant-member": "999999"},
        {"action": "remove", "remove-member": "1"},
        {"action": "explode"},
        {},
    ],
)
def test_bad_referent_actions_are_form_errors(client_for, community, referent, member, data):
    response = client_for(referent).post(f"/communautes/{community.pk}/referents/", data)
    assert response.status_code in (200, 302)
    assert Membership.objects.referents().filter(community=community).get().user == referent


def test_referent_cannot_grant_to_a_non_member(client_for, community, referent, pending_member):
    response = client_for(referent).post(
        f"/communautes/{community.pk}/referents/",
        {"action": "grant", "grant-member": pending_member.pk},
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert not Membership.objects.referents().filter(user=pending_member).exists()


# --- exclusion (CTY-8) -----------------------------------------------------------------------


def test_referent_asks_for_an_exclusion(
    client_for, community, referent, member, staff, django_capture_on_commit_callbacks
):
    url = f"/communautes/{community.pk}/exclusion/{member.pk}/"
    page = client_for(referent).get(url)
    assert page.status_code == 200
    assert "Nina Voisine" in page.text
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(referent).post(url, {"reason": "Insultes répétées."}, follow=True)
    exclusion = Exclusion.objects.get()
    assert exclusion.member == member and exclusion.reason == "Insultes répétées."
    assert said(response, "équipe de la plateforme", "platform&#x27;s staff")
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert Membership.objects.filter(user=member, status="member").exists()


def test_exclusion_needs_a_reason(client_for, community, referent, member):
    url = f"/communautes/{community.pk}/exclusion/{member.pk}/"
    response = client_for(referent).post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert not Exclusion.objects.exists()


def test_exclusion_of_oneself_or_a_stranger(client_for, community, referent, neighbour):
    own = client_for(referent).post(
        f"/communautes/{community.pk}/exclusion/{referent.pk}/", {"reason": "Moi"}
    )
    assert own.status_code == 200
    assert "errorlist" in own.text
    stranger = client_for(referent).post(
        f"/communautes/{community.pk}/exclusion/{neighbour.pk}/", {"reason": "Lui"}
    )
    assert stranger.status_code == 404
    assert not Exclusion.objects.exists()


# --- invitations (CTY-10) --------------------------------------------------------------------


def test_member_invites_by_email(client_for, community, member, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(
            f"/communautes/{community.pk}/inviter/",
            {"channel": "email", "recipient": "voisin@example.net"},
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(sender=member, channel="email").count() == 1
    assert mail.outbox[-1].to == ["voisin@example.net"]
    link = re.search(r"https?://\S+/communautes/invitation/\S+/", mail.outbox[-1].body).group(0)
    page = client_for().get(link.split("saint-malo.localhost", 1)[1])
    assert page.status_code == 200
    assert "Intra-muros" in page.text
    assert "/compte/inscription/?next=" in page.text
    assert "/compte/connexion/?next=" in page.text


def test_invitation_errors_are_form_errors(client_for, community, member, settings):
    settings.COMMUNITY_INVITATIONS_PER_DAY = 1
    url = f"/communautes/{community.pk}/inviter/"
    client = client_for(member)
    bad = client.post(url, {"channel": "email", "recipient": "pas-une-adresse"})
    assert bad.status_code == 200 and "errorlist" in bad.text
    bad_phone = client.post(url, {"channel": "sms", "recipient": "12"})
    assert bad_phone.status_code == 200 and "errorlist" in bad_phone.text
    bad_channel = client.post(url, {"channel": "pigeon", "recipient": "a@example.net"})
    assert bad_channel.status_code == 200 and "errorlist" in bad_channel.text
    assert client.post(url, {"channel": "email", "recipient": "a@example.net"}).status_code == 302
    limited = client.post(url, {"channel": "email", "recipient": "b@example.net"})
    assert limited.status_code == 200
    assert said(limited, "24 h")
    assert Invitation.objects.count() == 1


def test_invitation_page_with_a_tampered_or_expired_token_is_friendly(
    client_for, community, member, settings
):
    invitation = services.invitation_send(
        by=member, community=community, channel="email", recipient="x@example.net"
    )
    token = selectors.invitation_token(invitation)
    tampered = client_for().get(f"/communautes/invitation/{token[:-2]}xx/")
    assert tampered.status_code == 200
    assert "Intra-muros" not in tampered.text
    assert client_for().get("/communautes/invitation/n-importe-quoi/").status_code == 200
    settings.COMMUNITY_INVITATION_MAX_AGE = -1
    expired = client_for().get(f"/communautes/invitation/{token}/")
    assert expired.status_code == 200
    assert "Intra-muros" not in expired.text


# --- settings and merge (CTY-11, CTY-12) -----------------------------------------------------


def test_referent_renames_and_presents_the_community(client_for, community, referent):
    url = f"/communautes/{community.pk}/parametres/"
    assert client_for(referent).get(url).status_code == 200
    response = client_for(referent).post(
        url,
        {"name": "Intra-muros nord", "presentation": "Entraide et vigilance.", "show_photo": "on"},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.name == "Intra-muros nord"
    assert community.presentation == "Entraide et vigilance."
    assert Membership.objects.get(user=referent).show_photo_publicly
    assert community.showcase_page.title == "Intra-muros nord"


def test_settings_refuse_a_long_presentation_and_keep_everything(client_for, community, referent):
    response = client_for(referent).post(
        f"/communautes/{community.pk}/parametres/",
        {"name": "Nouveau nom", "presentation": "x" * 1001},
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    community.refresh_from_db()
    assert community.name == "Intra-muros"


def test_settings_need_a_name(client_for, community, referent):
    response = client_for(referent).post(
        f"/communautes/{community.pk}/parametres/", {"name": " ", "presentation": ""}
    )
    assert response.status_code == 200
    assert "errorlist" in response.text


@pytest.fixture
def next_door(commune, community):
    """A community sharing the eastern edge of ``community`` (400 m squares)."""
    return make_community(commune, offset(SAINT_MALO, 400, 0), name="Saint-Vincent")


def test_merge_is_proposed_then_agreed_by_both_sides(client_for, community, referent, next_door):
    url = f"/communautes/{community.pk}/fusion/"
    page = client_for(referent).get(url)
    assert page.status_code == 200
    assert "Saint-Vincent" in page.text
    response = client_for(referent).post(
        url, {"action": "propose", "absorbed": [next_door.pk], "kept": "ours"}
    )
    assert response.status_code == 302
    proposal = MergeProposal.objects.get()
    assert proposal.kept == community
    assert [(s.community, s.agreed_by) for s in proposal.ordered_sides] == [
        (community, referent),
        (next_door, None),
    ]
    assert proposal.status == MergeProposal.Status.OPEN

    other_referent = referent_of(next_door)
    other_url = f"/communautes/{next_door.pk}/fusion/"
    assert "Intra-muros" in client_for(other_referent).get(other_url).text
    client_for(other_referent).post(other_url, {"action": "agree", "proposal": proposal.pk})
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.AGREED


def test_merge_can_be_cancelled(client_for, community, referent, next_door):
    proposal = services.merge_propose(by=referent, community=community, other=next_door)
    response = client_for(referent).post(
        f"/communautes/{community.pk}/fusion/", {"action": "cancel", "proposal": proposal.pk}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.CANCELLED


def test_merge_refuses_far_communities_and_bad_input(client_for, commune, community, referent):
    far = make_community(commune, offset(SAINT_MALO, 3000, 0), name="Lointaine")
    url = f"/communautes/{community.pk}/fusion/"
    client = client_for(referent)
    response = client.post(url, {"action": "propose", "absorbed": [far.pk], "kept": "ours"})
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert client.post(url, {"action": "propose", "absorbed": ["x"]}).status_code == 200
    assert client.post(url, {"action": "agree", "proposal": "999"}).status_code == 404
    assert client.post(url, {"action": "explode"}).status_code == 302
    assert not MergeProposal.objects.exists()


def test_account_menu_links_to_my_community(client_for, member):
    response = client_for(member).get("/communautes/")
    assert 'href="/communautes/ma-communaute/"' in response.text


def test_json_of_boundaries_is_valid_for_a_commune_without_community(client_for, commune):
    response = client_for().get("/communautes/limites.geojson")
    assert json.loads(response.content) == {"type": "FeatureCollection", "features": []}
