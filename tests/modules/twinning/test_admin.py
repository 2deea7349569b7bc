"""The read-only Wagtail list of twinnings: platform staff, partners' staff, nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from accounts.staff import platform_staff_group
from communes.services import module_set_enabled
from modules.twinning import services
from modules.twinning.models import Twinning
from tests.communities import SAINT_MALO, make_community, offset, referent_of
from tests.factories import HostingPartnerFactory, UserFactory, make_commune
from tests.follows import root
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
INDEX = "/admin/twinnings/"
PLATFORM = "localhost"


def admin_client(user, host=PLATFORM) -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def assert_refused(response):
    """Wagtail turns PermissionDenied into a redirect to the dashboard (or a 403)."""
    assert response.status_code in (302, 403), response.status_code


def admin_user(**fields):
    user = UserFactory(**fields)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def staff(db):
    user = UserFactory(first_name="Sandrine", last_name="Modération")
    user.groups.add(platform_staff_group())
    return user


@pytest.fixture
def twinned(world):
    """Saint-Servan and Intra-muros twinned; Paramé is proposed to nobody."""
    twinning = services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    return services.twinning_decide(by=world.near_referent, twinning=twinning, accept=True)


@pytest.fixture
def dinard_twinning(db):
    """A twinning in Dinard, a commune of another hosting partner, with its staff."""
    partner_staff = admin_user(first_name="Hélène", last_name="Hébergeuse")
    dinard = make_commune(
        HostingPartnerFactory(staff=[partner_staff]), name="Dinard", hostname="dinard.localhost"
    )
    west = make_community(dinard, offset(SAINT_MALO, 10_000), name="Pointe du Moulinet")
    east = make_community(dinard, offset(SAINT_MALO, 10_900), name="Saint-Énogat")
    twinning = services.twinning_propose(by=referent_of(west), community=west, other=east)
    services.twinning_decide(by=referent_of(east), twinning=twinning, accept=True)
    twinning.partner_staff = partner_staff
    return twinning


def test_platform_staff_list_every_twinning_read_only(staff, twinned, dinard_twinning):
    response = admin_client(staff).get(INDEX)
    assert response.status_code == 200
    body = response.text
    for name in ("Intra-muros", "Saint-Servan", "Pointe du Moulinet", "Saint-Énogat"):
        assert name in body
    assert "Saint-Malo" in body and "Dinard" in body  # the commune column
    assert pgettext("twinning status", "Active") in body
    assert capfirst(gettext("twinned by the town hall")) in body
    for view in ("edit", "delete", "inspect", "history", "usage", "copy"):
        assert f"{INDEX}{view}/" not in body
    assert f"{INDEX}new/" not in body


def test_the_list_filters_by_status(staff, world, twinned):
    # Paramé is too far for a proposal on the site: a row is enough for a list.
    near, far = sorted([world.near, world.far], key=lambda c: c.pk)
    Twinning.objects.create(community_a=near, community_b=far, proposing_community=world.far)
    client = admin_client(staff)
    active = client.get(INDEX, {"status": "active"}).text
    assert "Intra-muros" in active and "Paramé" not in active
    proposed = client.get(INDEX, {"status": "proposed"}).text
    assert "Paramé" in proposed and "Intra-muros" not in proposed


def test_a_partners_staff_see_only_their_communes_twinnings(partner, twinned, dinard_twinning):
    response = admin_client(dinard_twinning.partner_staff).get(INDEX)
    assert response.status_code == 200
    assert "Pointe du Moulinet" in response.text
    assert "Intra-muros" not in response.text
    saint_malo_staff = admin_user()
    partner.staff.add(saint_malo_staff)
    body = admin_client(saint_malo_staff).get(INDEX).text
    assert "Intra-muros" in body and "Pointe du Moulinet" not in body


def test_on_a_communes_host_the_list_keeps_that_commune(twinned, dinard_twinning):
    body = admin_client(root(), "saint-malo.localhost").get(INDEX).text
    assert "Intra-muros" in body and "Pointe du Moulinet" not in body


def test_residents_and_town_hall_staff_are_refused(world, twinned, mayor):
    assert_refused(admin_client(world.here_referent).get(INDEX))  # no admin at all
    assert_refused(admin_client(admin_user()).get(INDEX))  # the admin, but no twinnings
    assert_refused(admin_client(mayor).get(INDEX))  # the town hall uses the site's page
    anonymous = Client(HTTP_HOST=PLATFORM).get(INDEX)
    assert anonymous.status_code == 302 and "login" in anonymous.url


def test_there_is_no_add_edit_or_delete_view(staff, twinned):
    for name, args in (("add", []), ("edit", [twinned.pk]), ("delete", [twinned.pk])):
        with pytest.raises(NoReverseMatch):
            reverse(f"twinning_admin:{name}", args=args)
    client = admin_client(staff)
    assert client.get(f"{INDEX}new/").status_code == 404
    assert client.get(f"{INDEX}edit/{twinned.pk}/").status_code == 404
    assert client.post(f"{INDEX}delete/{twinned.pk}/").status_code == 404
    assert Twinning.objects.filter(pk=twinned.pk, status="active").exists()


def test_the_menu_shows_twinnings_to_staff_only(staff, world, commune):
    assert INDEX in admin_client(staff).get("/admin/").text
    assert INDEX not in admin_client(admin_user()).get("/admin/").text
    module_set_enabled(by=root(), commune=commune, module="twinning", enabled=False)
    client = admin_client(staff, "saint-malo.localhost")
    assert client.get(INDEX).status_code == 404  # the core's guard
    assert INDEX not in client.get("/admin/").text
