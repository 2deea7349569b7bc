"""The partner town hall and its police see each community's référents and write to them
(COM-2; seed 003: "l'interlocuteur privilégié de la Mairie et des forces de l'ordre")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import Commune, StaffRole
from communes.services import staff_role_grant
from communities.models import Membership
from messaging.models import Message, Thread
from tests.communities import SAINT_MALO, make_community, offset
from tests.factories import UserFactory
from tests.follows import grant, root
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

PLATFORM = "localhost"


def admin_client(user, host=PLATFORM) -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def with_admin_access(user):
    """The police helper's "Police" group gives police accounts the admin; these tests do
    not depend on it (a person holding access_admin directly is the same to Wagtail)."""
    if not user.has_perm("wagtailadmin.access_admin"):
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    return user


def police_of(commune, *, by=None):
    user = UserFactory(first_name="Paula", last_name="Gendre")
    staff_role_grant(commune=commune, user=user, role="police", by=by or root())
    return with_admin_access(user)


def assert_refused(response):
    """Wagtail turns PermissionDenied into a redirect to the dashboard (or a 403)."""
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response.url == reverse("wagtailadmin_home") or "login" in response.url


@pytest.fixture
def police(partner_commune, mayor):
    return police_of(partner_commune, by=mayor)


@pytest.fixture
def council(partner_commune):
    return grant(partner_commune, UserFactory(), StaffRole.Role.COUNCIL).user


def page_url(commune) -> str:
    return reverse("communities_partner", args=[commune.pk])


def write_url(commune, referent) -> str:
    return (
        f"{reverse('messaging_admin:referent_new')}?commune={commune.slug}"
        f"&amp;referent={referent.pk}"
    )


def test_police_see_the_referents_read_only(world, police, partner_commune):
    client = admin_client(police)
    home = client.get(reverse("communities_partner_home"))
    assert home.status_code == 302 and home.url == page_url(partner_commune)
    response = client.get(page_url(partner_commune))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["sees_referents"] is True
    rows = {
        c.name: [card.display_name for card in c.referent_cards]
        for c in response.context["communities"]
    }
    assert rows == {
        "Intra-muros": ["Régis Référent"],
        "Paramé": ["Régis Référent"],
        "Saint-Servan": ["Régis Référent"],
    }
    for referent in (world.here_referent, world.near_referent, world.far_referent):
        assert write_url(partner_commune, referent) in html
        assert referent.email not in html
    # Members who are not référents stay unnamed; the settings are the mayor's.
    assert world.here_member.last_name not in html
    assert world.near_member.mobile not in html
    assert reverse("communities_partner_settings", args=[partner_commune.pk]) not in html
    assert_refused(client.get(reverse("communities_partner_settings", args=[partner_commune.pk])))


def test_the_mayor_sees_them_the_council_does_not(world, mayor, council, partner_commune):
    html = admin_client(mayor).get(page_url(partner_commune)).content.decode()
    assert write_url(partner_commune, world.here_referent) in html
    assert reverse("communities_partner_settings", args=[partner_commune.pk]) in html
    response = admin_client(council).get(page_url(partner_commune))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["sees_referents"] is False
    assert "Intra-muros" in html
    assert "Régis" not in html  # no référent named
    assert reverse("messaging_admin:referent_new") not in html
    assert_refused(
        admin_client(council).get(
            f"{reverse('messaging_admin:referent_new')}?commune={partner_commune.slug}"
        )
    )


def test_other_communes_police_and_non_partner_communes(world, partner_commune, other_commune):
    Commune.objects.filter(pk=other_commune.pk).update(is_partner=True)
    other_police = police_of(other_commune)
    client = admin_client(other_police)
    assert client.get(reverse("communities_partner_home")).url == page_url(other_commune)
    assert_refused(client.get(page_url(partner_commune)))
    assert_refused(
        client.get(f"{reverse('messaging_admin:referent_new')}?commune={partner_commune.slug}")
    )
    # Saint-Malo stops being a partner: its police see nothing any more.
    police = police_of(partner_commune)
    Commune.objects.filter(pk=partner_commune.pk).update(is_partner=False)
    client = admin_client(police)
    assert_refused(client.get(reverse("communities_partner_home")))
    assert_refused(client.get(page_url(partner_commune)))
    assert_refused(
        client.get(f"{reverse('messaging_admin:referent_new')}?commune={partner_commune.slug}")
    )


def test_the_referents_cost_one_query_for_the_page(world, police, partner_commune):
    client = admin_client(police)
    client.get(page_url(partner_commune))  # warm the caches (menu, permissions)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(partner_commune)).status_code == 200
        return len(queries)

    before = count()
    for i in range(3):
        make_community(partner_commune, offset(SAINT_MALO, 3000 + 600 * i, 0), name=f"Quartier {i}")
    assert Membership.objects.referents().count() == 6
    assert count() == before


def test_write_from_the_link_then_read_the_answer(world, police, partner_commune):
    referent = world.near_referent
    client = admin_client(police)
    url = reverse("messaging_admin:referent_new")
    form = client.get(url, {"commune": partner_commune.slug, "referent": referent.pk})
    assert form.status_code == 200
    html = form.content.decode()
    assert f'<option value="{referent.pk}" selected>Régis Référent (Saint-Servan)</option>' in html
    assert "Police – Saint-Malo" in html
    assert referent.email not in html
    sent = client.post(
        f"{url}?commune={partner_commune.slug}",
        {"commune": partner_commune.slug, "referent": referent.pk, "body": "Bonjour"},
    )
    assert sent.status_code == 302 and sent.url == page_url(partner_commune)
    thread = Thread.objects.get()
    assert (thread.referents_commune, thread.created_by) == (partner_commune, police)
    # A member who is not a référent is not a choice: the form says so, nothing is sent.
    wrong = client.post(
        f"{url}?commune={partner_commune.slug}",
        {"commune": partner_commune.slug, "referent": world.near_member.pk, "body": "Bonjour"},
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["referent"]
    assert Thread.objects.count() == 1
    # The référent answers on the site; the police officer reads it in their messages.
    site = Client()
    site.force_login(referent)
    assert site.post(f"/messages/{thread.pk}/", {"body": "Bien reçu."}).status_code == 302
    mine = Client()
    verified_login(mine, police)  # police are staff: a second factor on the site too
    assert "Bien reçu." in mine.get(f"/messages/{thread.pk}/").content.decode()
    assert Message.objects.filter(thread=thread).count() == 2
