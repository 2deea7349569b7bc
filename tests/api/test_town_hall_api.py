"""The town hall's settings and staff roles in the API (COM-2, ACC-9; api/v1/town_hall.py):
exact codes and bodies, from the wrong side too (anonymous, a resident, another commune's
mayor, another partner's staff)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from guardian.shortcuts import get_perms
from wagtail.models import ModelLogEntry

from communes.models import Commune, StaffRole
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.follows import grant, root, validated
from tests.twinning import make_partner

pytestmark = pytest.mark.django_db

Role = StaffRole.Role
SETTINGS = reverse("api:v1:town-hall-settings", args=["saint-malo"])
STAFF = reverse("api:v1:town-hall-staff", args=["saint-malo"])
SETTINGS_FIELDS = {
    "is_partner",
    "community_validation_mode",
    "police_name",
    "police_email",
    "police_phone",
}


def fr(message: str) -> str:
    """What the API answers in its default language (French), once translated."""
    with translation.override("fr"):
        return gettext(message)


FORBIDDEN = {"detail": fr("Only the mayor and the hosting partner manage this commune.")}


def revoke_url(role_id: int, slug: str = "saint-malo") -> str:
    return reverse("api:v1:town-hall-staff-revoke", args=[slug, role_id])


@pytest.fixture
def other_mayor(other_commune):
    """The mayor of Cocody (same hosting partner, another commune)."""
    user = UserFactory(first_name="Awa", last_name="Koné")
    grant(other_commune, user, Role.MAYOR)
    return user


@pytest.fixture
def council(commune):
    user = UserFactory(first_name="Jean", last_name="Conseil")
    grant(commune, user, Role.COUNCIL)
    return user


# --- settings: who -----------------------------------------------------------------------


def test_settings_anonymous_gets_401(api_client, commune):
    assert api_client.get(SETTINGS).status_code == 401
    assert api_client.patch(SETTINGS, {"police_name": "X"}, format="json").status_code == 401


def test_settings_unknown_commune_is_a_404(mayor):
    url = reverse("api:v1:town-hall-settings", args=["nowhere"])
    assert token_client(mayor).get(url).status_code == 404
    assert token_client(mayor).patch(url, {}, format="json").status_code == 404


@pytest.mark.parametrize("who", ["resident", "council", "other_mayor", "rival_staff"])
def test_settings_refused_to_anyone_but_mayor_and_partner(request, commune, who):
    make_partner(commune)
    user = request.getfixturevalue(who)
    if who == "resident":
        validated(user, commune)
    client = token_client(user)
    response = client.get(SETTINGS)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    response = client.patch(SETTINGS, {"police_name": "Police"}, format="json")
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    commune.refresh_from_db()
    assert commune.police_name == ""


# --- settings: read and change -----------------------------------------------------------


def test_mayor_reads_the_settings(commune, mayor):
    make_partner(commune)
    Commune.objects.filter(pk=commune.pk).update(
        community_validation_mode="referent", police_name="Police municipale"
    )
    response = token_client(mayor).get(SETTINGS)
    assert response.status_code == 200
    assert response.json() == {
        "is_partner": True,
        "community_validation_mode": "referent",
        "police_name": "Police municipale",
        "police_email": "",
        "police_phone": "",
    }


def test_mayor_changes_the_settings_of_a_partner_town_hall(commune, mayor):
    make_partner(commune)
    response = token_client(mayor).patch(
        SETTINGS,
        {
            "community_validation_mode": "platform_staff",
            "police_name": "Police municipale",
            "police_email": "police@saint-malo.example",
            "police_phone": "+33299407111",
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "is_partner": True,
        "community_validation_mode": "platform_staff",
        "police_name": "Police municipale",
        "police_email": "police@saint-malo.example",
        "police_phone": "+33299407111",
    }
    commune.refresh_from_db()
    assert commune.community_validation_mode == "platform_staff"
    assert str(commune.police_phone) == "+33299407111"
    assert ModelLogEntry.objects.filter(
        object_id=str(commune.pk), action="wagtail.edit", user=mayor
    ).exists()


def test_only_the_fields_sent_change_and_blank_clears(commune, mayor):
    make_partner(commune)
    Commune.objects.filter(pk=commune.pk).update(
        community_validation_mode="referent", police_name="Police", police_phone="+33299407111"
    )
    response = token_client(mayor).patch(
        SETTINGS, {"police_phone": "", "community_validation_mode": ""}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["police_name"] == "Police"
    assert response.json()["police_phone"] == ""
    assert response.json()["community_validation_mode"] == ""


def test_partner_staff_and_superuser_change_the_settings(commune, partner_staff):
    make_partner(commune)
    response = token_client(partner_staff).patch(
        SETTINGS, {"police_name": "Gendarmerie"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["police_name"] == "Gendarmerie"
    assert token_client(root()).get(SETTINGS).json()["police_name"] == "Gendarmerie"


def test_a_commune_that_is_not_a_partner_reads_but_cannot_change(commune, mayor):
    assert token_client(mayor).get(SETTINGS).json()["is_partner"] is False
    response = token_client(mayor).patch(SETTINGS, {"police_name": "Police"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": fr("Only the mayor of a partner town hall can change this.")
    }
    commune.refresh_from_db()
    assert commune.police_name == ""


def test_settings_invalid_values_are_400_by_field(commune, mayor):
    make_partner(commune)
    response = token_client(mayor).patch(
        SETTINGS,
        {
            "community_validation_mode": "everybody",
            "police_email": "not-an-address",
            "police_phone": "12",
            "police_name": 12,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {
        "community_validation_mode",
        "police_email",
        "police_phone",
        "police_name",
    }
    commune.refresh_from_db()
    assert (commune.community_validation_mode, commune.police_email) == ("", "")


def test_is_partner_is_read_only_here(commune, mayor):
    """The hosting partner makes a town hall a partner (partner API), not its mayor."""
    response = token_client(mayor).patch(SETTINGS, {"is_partner": True}, format="json")
    assert response.status_code == 403
    commune.refresh_from_db()
    assert commune.is_partner is False


# --- staff: who ---------------------------------------------------------------------------


def test_staff_anonymous_gets_401(api_client, commune, mayor):
    role = StaffRole.objects.get(user=mayor)
    assert api_client.get(STAFF).status_code == 401
    assert api_client.post(STAFF, {}, format="json").status_code == 401
    assert api_client.delete(revoke_url(role.pk)).status_code == 401


@pytest.mark.parametrize("who", ["resident", "council", "other_mayor", "rival_staff"])
def test_staff_refused_to_anyone_but_mayor_and_partner(request, commune, mayor, who):
    user = request.getfixturevalue(who)
    role = StaffRole.objects.get(user=mayor, commune=commune)
    client = token_client(user)
    for response in (
        client.get(STAFF),
        client.post(STAFF, {"email": user.email, "role": "mayor"}, format="json"),
        client.delete(revoke_url(role.pk)),
    ):
        assert response.status_code == 403
        assert response.json() == FORBIDDEN
    assert StaffRole.objects.filter(commune=commune).count() == (2 if who == "council" else 1)
    assert not StaffRole.objects.filter(commune=commune, user=user, role=Role.MAYOR).exists()


def test_another_communes_role_id_is_a_404(commune, other_commune, mayor, other_mayor):
    """Cocody's mayor, on Cocody's address, names a role of Saint-Malo: 404, nothing revoked."""
    role = StaffRole.objects.get(user=mayor)
    response = token_client(other_mayor).delete(revoke_url(role.pk, slug="cocody"))
    assert response.status_code == 404
    assert StaffRole.objects.filter(pk=role.pk).exists()
    assert token_client(mayor).delete(revoke_url(999999)).status_code == 404


def test_staff_unknown_commune_is_a_404(mayor):
    url = reverse("api:v1:town-hall-staff", args=["nowhere"])
    assert token_client(mayor).get(url).status_code == 404


# --- staff: list -------------------------------------------------------------------------


def test_mayor_lists_the_roles_mayor_first_names_only(commune, mayor, council):
    police = UserFactory(first_name="Luc", last_name="Agent")
    grant(commune, police, Role.POLICE, by=mayor)
    response = token_client(mayor).get(STAFF)
    assert response.status_code == 200
    body = response.json()
    assert [(row["role"], row["person"]["last_name"]) for row in body] == [
        ("mayor", "Local"),
        ("council", "Conseil"),
        ("police", "Agent"),
    ]
    mayor_role = StaffRole.objects.get(user=mayor)
    assert body[0] == {
        "id": mayor_role.pk,
        "role": "mayor",
        "role_label": fr("Mayor"),
        "person": {
            "id": mayor.pk,
            "display_name": "Maire Local",
            "first_name": "Maire",
            "last_name": "Local",
        },
        "granted_at": body[0]["granted_at"],
        "granted_by": "Root Admin",
    }
    assert body[2]["granted_by"] == "Maire Local"
    text = response.content.decode()
    for person in (mayor, council, police):
        assert person.email not in text


def test_partner_staff_lists_the_roles(commune, mayor, partner_staff):
    body = token_client(partner_staff).get(STAFF).json()
    assert [row["person"]["id"] for row in body] == [mayor.pk]


# --- staff: grant ------------------------------------------------------------------------


def test_mayor_grants_a_role_by_email(commune, mayor):
    person = UserFactory(first_name="Léa", last_name="Com", email="lea@example.org")
    response = token_client(mayor).post(
        STAFF, {"email": "  LEA@example.org ", "role": "communication"}, format="json"
    )
    assert response.status_code == 201
    role = StaffRole.objects.get(commune=commune, user=person)
    body = response.json()
    assert body["id"] == role.pk
    assert body["role"] == "communication"
    assert body["person"] == {
        "id": person.pk,
        "display_name": "Léa Com",
        "first_name": "Léa",
        "last_name": "Com",
    }
    assert body["granted_by"] == "Maire Local"
    assert "lea@example.org" not in response.content.decode().lower()
    assert role.granted_by == mayor
    assert set(get_perms(person, commune)) == {"publish_content", "send_alerts"}


def test_grant_unknown_email_is_a_400_on_email(commune, mayor):
    response = token_client(mayor).post(
        STAFF, {"email": "nobody@example.org", "role": "council"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"email": [fr("No account uses this email address.")]}
    assert StaffRole.objects.filter(commune=commune).count() == 1


def test_grant_refusals_are_400_by_field(commune, mayor, council):
    client = token_client(mayor)
    response = client.post(STAFF, {"email": council.email, "role": "council"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"role": [fr("This person already holds this role in this commune.")]}
    response = client.post(STAFF, {"email": council.email, "role": "king"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"role"}
    response = client.post(STAFF, {"role": "council"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email"}


def test_grant_to_a_closed_account_is_a_400_on_email(commune, mayor):
    person = UserFactory(is_active=False)
    response = token_client(mayor).post(
        STAFF, {"email": person.email, "role": "council"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"email": [fr("This account is closed or deactivated.")]}
    assert not StaffRole.objects.filter(user=person).exists()


# --- staff: revoke -----------------------------------------------------------------------


def test_mayor_revokes_a_role(commune, mayor, council):
    role = StaffRole.objects.get(user=council)
    response = token_client(mayor).delete(revoke_url(role.pk))
    assert response.status_code == 204
    assert response.content == b""
    assert not StaffRole.objects.filter(pk=role.pk).exists()
    assert get_perms(council, commune) == []


def test_the_town_hall_keeps_its_last_mayor(commune, mayor):
    role = StaffRole.objects.get(user=mayor)
    response = token_client(mayor).delete(revoke_url(role.pk))
    assert response.status_code == 400
    assert response.json() == {
        "role": [
            fr(
                "The commune would have no mayor left: name another mayor first, "
                "or ask your hosting partner."
            )
        ]
    }
    assert StaffRole.objects.filter(pk=role.pk).exists()


def test_the_hosting_partner_may_revoke_the_last_mayor(commune, mayor, partner_staff):
    role = StaffRole.objects.get(user=mayor)
    assert token_client(partner_staff).delete(revoke_url(role.pk)).status_code == 204
    assert not StaffRole.objects.filter(commune=commune).exists()


def test_the_other_partners_staff_cannot_revoke(commune, mayor, rival_staff):
    role = StaffRole.objects.get(user=mayor)
    response = token_client(rival_staff).delete(revoke_url(role.pk))
    assert response.status_code == 403
    assert StaffRole.objects.filter(pk=role.pk).exists()


# --- OpenAPI ----------------------------------------------------------------------------


def test_the_operations_are_documented(client):
    schema = client.get(
        reverse("api:v1:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    paths = schema["paths"]
    settings = paths["/api/v1/communes/{commune_slug}/settings/"]
    staff = paths["/api/v1/communes/{commune_slug}/staff/"]
    revoke = paths["/api/v1/communes/{commune_slug}/staff/{role_id}/"]
    assert settings["get"]["operationId"] == "town_hall_settings_read"
    assert settings["patch"]["operationId"] == "town_hall_settings_update"
    assert staff["get"]["operationId"] == "town_hall_staff_list"
    assert staff["post"]["operationId"] == "town_hall_staff_grant"
    assert revoke["delete"]["operationId"] == "town_hall_staff_revoke"
    assert set(revoke["delete"]["responses"]) >= {"204", "400", "401", "403", "404"}
    assert set(staff["post"]["responses"]) >= {"201", "400", "401", "403", "404"}
    assert set(settings["patch"]["responses"]) >= {"200", "400", "401", "403", "404"}
