"""Police accounts (issue 20, COM-2): a role, not the town hall.

* existing mayors gain the two permissions of issue 20 (migration 0009);
* a police-only account is not "the commune's staff" (``communes_of_staff``): no
  residents, pages, moderation, inbox…; a mayor who is also police keeps the mayor's;
* the "Police" group gives the Wagtail admin (two factors) while the person holds the
  police role somewhere;
* walking the admin as a police-only account: its menu holds the alerts and nothing
  else of the town hall; the town hall's screens answer 403 or 404.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from guardian.models import UserObjectPermission
from wagtail.admin.menu import admin_menu

from accounts import mfa
from communes.models import Commune, StaffRole
from communes.roles import (
    CONTACT_REFERENTS,
    POLICE_GROUP,
    VIEW_COMMUNITY_ALERTS,
    held_permissions,
)
from communes.selectors import (
    commune_permission,
    communes_of_police,
    communes_of_staff,
    holds_a_staff_role,
)
from communes.services import staff_role_revoke
from tests.factories import UserFactory
from tests.follows import grant, pending, root
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
Role = StaffRole.Role
HOST = "saint-malo.localhost"

migration = importlib.import_module("communes.migrations.0009_mayors_police_permissions")


@pytest.fixture
def partner_commune(commune):
    Commune.objects.filter(pk=commune.pk).update(is_partner=True)
    commune.refresh_from_db()
    return commune


@pytest.fixture
def police(partner_commune):
    return grant(
        partner_commune, UserFactory(first_name="Paul", last_name="Police"), Role.POLICE
    ).user


# --- 1. the data migration -----------------------------------------------------------------


def test_the_migration_gives_existing_mayors_the_two_new_permissions(commune, other_commune):
    mayor = grant(commune, UserFactory(), Role.MAYOR).user
    council = grant(commune, UserFactory(), Role.COUNCIL).user
    other_mayor = grant(other_commune, UserFactory(), Role.MAYOR).user
    new = {VIEW_COMMUNITY_ALERTS, CONTACT_REFERENTS}
    # As before issue 20: the mayors' rows lack the two permissions (and the permissions
    # themselves are created again by the migration when missing).
    UserObjectPermission.objects.filter(permission__codename__in=new).delete()
    Permission.objects.filter(
        content_type=ContentType.objects.get_for_model(Commune), codename__in=new
    ).delete()
    assert VIEW_COMMUNITY_ALERTS not in held_permissions(commune=commune, user=mayor)

    migration.grant_mayors(global_apps, None)
    migration.grant_mayors(global_apps, None)  # twice: nothing doubled

    assert new <= held_permissions(commune=commune, user=mayor)
    assert new <= held_permissions(commune=other_commune, user=other_mayor)
    assert not new & held_permissions(commune=commune, user=council)
    assert not new & held_permissions(commune=commune, user=other_mayor)  # their own only
    assert (
        UserObjectPermission.objects.filter(permission__codename__in=new, user=mayor).count() == 2
    )
    mayor = type(mayor).objects.get(pk=mayor.pk)  # guardian's cache
    assert commune_permission(mayor, commune, VIEW_COMMUNITY_ALERTS)


# --- 2. police is not the town hall ----------------------------------------------------------


def test_a_police_only_account_is_not_the_communes_staff(partner_commune, police):
    assert list(communes_of_staff(police)) == []
    assert list(communes_of_police(police)) == [partner_commune]
    assert holds_a_staff_role(police)
    assert held_permissions(commune=partner_commune, user=police) == {
        VIEW_COMMUNITY_ALERTS,
        CONTACT_REFERENTS,
    }


def test_a_mayor_who_is_also_police_keeps_the_mayors_powers(partner_commune, other_commune):
    person = grant(partner_commune, UserFactory(), Role.MAYOR).user
    grant(partner_commune, person, Role.POLICE)
    grant(other_commune, person, Role.POLICE)
    assert list(communes_of_staff(person)) == [partner_commune]
    assert set(communes_of_police(person)) == {partner_commune, other_commune}


# --- 3. the police group: the Wagtail admin, two factors ----------------------------------------


def test_police_joins_the_police_group_and_leaves_it_with_the_last_role(
    partner_commune, other_commune
):
    person = UserFactory()
    assert not mfa.needs_two_factor(person)
    first = grant(partner_commune, person, Role.POLICE)
    assert list(person.groups.values_list("name", flat=True)) == [POLICE_GROUP]
    person = type(person).objects.get(pk=person.pk)
    assert person.has_perm("wagtailadmin.access_admin")
    assert mfa.needs_two_factor(person)
    grant(other_commune, person, Role.POLICE)
    staff_role_revoke(by=root(), role_obj=first)
    assert person.groups.filter(name=POLICE_GROUP).exists()  # still police in Cocody
    staff_role_revoke(by=root(), commune=other_commune, user=person, role=Role.POLICE)
    assert not person.groups.filter(name=POLICE_GROUP).exists()
    person = type(person).objects.get(pk=person.pk)
    assert not person.has_perm("wagtailadmin.access_admin")


def test_another_role_does_not_put_anyone_in_the_police_group(commune):
    person = grant(commune, UserFactory(), Role.MAYOR).user
    assert not person.groups.filter(name=POLICE_GROUP).exists()


# --- the admin walk ----------------------------------------------------------------------------


def admin_client(user, host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def menu_urls(response) -> set[str]:
    """The addresses of the admin menu's top-level items shown for the request (Wagtail's
    own help menu aside: it is everyone's)."""
    return {
        item.url
        for item in admin_menu.menu_items_for_request(response.wsgi_request)
        if item.name != "help"
    }


# The town hall's screens (and the platform's): none is the police's.
TOWN_HALL_SCREENS = [
    "/admin/pages/",
    "/admin/town-hall-staff/",
    "/admin/residents-to-validate/",
    "/admin/communities/",
    "/admin/moderation/",
    "/admin/images/",
    "/admin/documents/",
    "/admin/alerts/new/",
    "/admin/users/",
    "/admin/groups/",
]


def test_the_police_admin_shows_its_space_and_nothing_of_the_town_hall(partner_commune, police):
    pending(UserFactory(first_name="Jeanne", last_name="Attente"), partner_commune)
    client = admin_client(police)
    home = client.get("/admin/")
    assert home.status_code == 200
    # Their space: the communities' alerts, and the communities' référents they may
    # write to (``contact_referents``, the communities' admin).
    assert menu_urls(home) == {"/admin/alerts/", "/admin/commune-communities/"}
    assert 'data-alerts-police="Saint-Malo"' in home.text
    assert "Attente" not in home.text  # no resident waiting for validation shown
    for url in TOWN_HALL_SCREENS:
        response = client.get(url)
        # Wagtail answers a refused admin view with a redirect to the dashboard.
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"] == "/admin/", url
    assert client.get("/admin/alerts/").status_code == 200


def test_the_mayor_who_is_also_police_still_sees_the_town_halls_screens(partner_commune):
    person = grant(partner_commune, UserFactory(), Role.MAYOR).user
    grant(partner_commune, person, Role.POLICE)
    client = admin_client(person)
    home = client.get("/admin/")
    assert home.status_code == 200
    assert {"/admin/alerts/", "/admin/town-hall-staff/"} <= menu_urls(home)
    assert "data-alerts-police" not in home.text  # they are the town hall
    assert client.get(f"/admin/town-hall-staff/{partner_commune.pk}/").status_code == 200
    assert client.get("/admin/residents-to-validate/").status_code == 200


# --- 6. the demo ----------------------------------------------------------------------------


def test_the_demo_police_of_saint_malo(commune):
    from communes import demo

    def person(email, first_name, last_name):
        user, _created = type(root()).objects.get_or_create(
            email=email, defaults={"first_name": first_name, "last_name": last_name}
        )
        return user

    police = demo.load_police(commune, person, root())
    again = demo.load_police(commune, person, root())  # idempotent
    assert police == again
    assert (police.email, police.first_name, police.last_name) == (
        "police@saint-malo.localhost",
        "Police",
        "municipale",
    )
    commune.refresh_from_db()
    assert commune.is_partner
    assert list(StaffRole.objects.filter(user=police).values_list("commune", "role")) == [
        (commune.pk, Role.POLICE)
    ]
    assert police.groups.filter(name=POLICE_GROUP).exists()
