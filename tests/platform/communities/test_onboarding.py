"""Issue 14, onboarding: visitors find the communities, and nothing is offered that
the services would then refuse (CTY-1, CTY-4, CTY-6, ACC-10)."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from communities import services
from tests.communities import SAINT_MALO, make_community, offset, person_at
from tests.factories import UserFactory
from tests.follows import pending as follow_pending

HOST = "saint-malo.localhost"


def client(user=None, host=HOST):
    c = Client(HTTP_HOST=host)
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def community(commune):
    return make_community(commune, name="Intra-muros", members=2)


@pytest.fixture
def pending_resident(commune, community):
    """Lives inside the community; the town hall has not validated their follow yet."""
    user = UserFactory(location=Point(*offset(SAINT_MALO, 10, 10), srid=4326))
    follow_pending(user, commune)
    return user


# --- 1. visitors find the communities --------------------------------------------------------


def test_nav_has_communities_on_every_commune_page(community):
    for path in ("/", "/communautes/", "/alertes/"):
        response = client().get(path, follow=True)
        assert '<a class="site-nav__link" href="/communautes/"' in response.text, path


def test_home_page_lists_the_communes_communities_with_a_way_in(community):
    response = client().get("/")
    assert response.status_code == 200
    html = response.text
    assert "data-home-communities" in html
    assert "Intra-muros" in html
    assert "3 membres" in html
    assert (
        'href="/communautes/ma-communaute/" data-home-communities-cta>'
        "Rejoindre ou créer une communauté" in html
    )


def test_home_page_says_when_there_is_no_community_yet(commune):
    html = client().get("/").text
    assert "data-home-communities" in html
    assert "Pas encore de communauté dans cette commune" in html


def test_home_page_panel_queries_do_not_grow_with_communities(
    commune, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_community(commune, name="Une")
    with CaptureQueriesContext(connection) as one:
        client().get("/")
    for i in range(4):
        make_community(commune, offset(SAINT_MALO, 1000 * (i + 1), 0), name=f"Autre {i}")
    with CaptureQueriesContext(connection) as five:
        client().get("/")
    assert len(five) == len(one)


@pytest.mark.parametrize(
    "path, title",
    [
        ("/communautes/ma-communaute/", "Ma communauté"),
        ("/alertes/", "Alertes"),
        ("/notifications/", "Notifications"),
        ("/notifications/preferences/", "Préférences de notification"),
        ("/compte/communes/", "Mes communes"),
        ("/annonces/", "Annonces"),
    ],
)
def test_a_visitor_following_a_nav_entry_learns_what_it_is(commune, path, title):
    response = client().get(path, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith("/compte/connexion/?next=")
    html = response.text
    assert "data-login-pitch" in html
    assert f'<h1 id="login-pitch-title">{title}</h1>' in html
    assert "Créer un compte" in html
    assert 'name="password"' in html  # the login form is on the same page


def test_login_page_without_next_has_no_pitch(commune):
    html = client().get("/compte/connexion/").text
    assert "data-login-pitch" not in html


def test_login_page_ignores_a_foreign_next(commune):
    html = client().get("/compte/connexion/?next=https://evil.example/alertes/").text
    assert "data-login-pitch" not in html


# --- 2. nothing offered that will be refused -------------------------------------------------


def test_pending_resident_is_not_offered_to_join_and_is_told_why(pending_resident, community):
    html = client(pending_resident).get("/communautes/ma-communaute/").text
    assert "data-join" not in html
    assert "Votre inscription doit d’abord être validée par la mairie de Saint-Malo" in html


def test_pending_resident_sees_no_join_button_on_the_showcase_page(pending_resident, community):
    page = community.showcase_page
    html = client(pending_resident).get(page.url).text
    assert "data-join" not in html
    assert "data-refusal" in html
    assert "Votre inscription doit d’abord être validée par la mairie" in html


def test_the_service_refuses_the_pending_resident_with_the_same_words(pending_resident, community):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied) as refusal:
        services.membership_request(user=pending_resident, community=community)
    assert "Votre inscription doit d’abord être validée" in str(refusal.value)


def test_validated_neighbour_is_offered_to_join(commune, community):
    neighbour = person_at(commune, offset(SAINT_MALO, -30, 40))
    html = client(neighbour).get("/communautes/ma-communaute/").text
    assert "data-join" in html
    assert "data-refusal" not in html
    html = client(neighbour).get(community.showcase_page.url).text
    assert "data-join" in html


def test_member_is_not_offered_to_create_a_community(commune, community):
    member = community.memberships.filter(is_referent=False, status="member").first().user
    html = client(member).get("/communautes/").text
    assert "data-create>" not in html
    assert "Vous êtes déjà membre de « Intra-muros » : quittez-la pour en créer une autre." in html
    html = client(member).get(community.showcase_page.url).text
    assert "data-join" not in html
    assert "Vous êtes membre de cette communauté." in html


def test_member_asking_for_the_creation_page_is_sent_back_with_the_reason(commune, community):
    member = community.memberships.filter(is_referent=False, status="member").first().user
    response = client(member).get("/communautes/creer/", follow=True)
    assert response.redirect_chain[-1][0] == "/communautes/ma-communaute/"
    assert "Vous êtes déjà membre de « Intra-muros » : quittez-la pour en créer une autre." in (
        response.text
    )


def test_validated_resident_without_community_is_offered_to_create(commune, community):
    elsewhere = person_at(commune, offset(SAINT_MALO, 3000, 0))
    html = client(elsewhere).get("/communautes/").text
    assert 'href="/communautes/creer/" data-create>' in html
    html = client(elsewhere).get("/communautes/ma-communaute/").text
    assert 'href="/communautes/creer/"' in html


def test_pending_resident_is_not_offered_to_create(commune, community):
    user = UserFactory(location=Point(*offset(SAINT_MALO, 3000, 0), srid=4326))
    follow_pending(user, commune)
    html = client(user).get("/communautes/").text
    assert "data-create>" not in html
    assert "Votre inscription doit d’abord être validée par la mairie" in html
    html = client(user).get("/communautes/ma-communaute/").text
    assert 'href="/communautes/creer/"' not in html


def test_member_of_another_community_is_told_on_the_join_page(commune, community):
    other = make_community(commune, offset(SAINT_MALO, 3000, 0), name="Paramé")
    referent = other.memberships.get(is_referent=True).user
    response = client(referent).get(f"/communautes/{community.pk}/rejoindre/")
    assert response.status_code == 200
    assert "data-join" not in response.text
    assert "Vous êtes déjà membre de « Paramé » : quittez-la pour en rejoindre une autre." in (
        response.text
    )
