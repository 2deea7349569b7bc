"""The town hall picks its theme and edits its public details in the CMS (COM-1)."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from communes.services import commune_update_details
from tests.factories import UserFactory
from tests.two_factor import verified_login


@pytest.fixture
def town_hall_editor(commune):
    editor = UserFactory()
    editor.groups.add(commune.editors_group)
    return editor


def test_editor_sees_our_commune_and_picks_a_theme(client, commune, town_hall_editor):
    assert commune.editors_group.permissions.filter(codename="access_admin").exists()
    verified_login(client, town_hall_editor)
    home = client.get("/admin/our-commune/", HTTP_HOST="saint-malo.localhost")
    assert home.status_code == 302
    url = home["Location"]
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="theme"' in page.content
    response = client.post(
        url,
        {
            "contact_email": "accueil@saint-malo.localhost",
            "contact_phone": "",
            "contact_address": "Place Chateaubriand",
            "opening_hours": "9 h - 17 h",
            "theme": "bocage",
        },
    )
    assert response.status_code == 302
    commune.refresh_from_db()
    assert commune.theme == "bocage"
    assert commune.contact_email == "accueil@saint-malo.localhost"


def test_editor_of_another_commune_gets_404(client, commune, other_commune):
    outsider = UserFactory()
    outsider.groups.add(other_commune.editors_group)
    verified_login(client, outsider)
    assert client.get(f"/admin/our-commune/{commune.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        commune_update_details(by=outsider, commune=commune, theme="bocage")


def test_a_bad_theme_is_a_form_error_not_a_crash(client, commune, town_hall_editor):
    verified_login(client, town_hall_editor)
    response = client.post(f"/admin/our-commune/{commune.pk}/", {"theme": "nope"})
    assert response.status_code == 200
    commune.refresh_from_db()
    assert commune.theme == "default"


def test_identity_fields_are_not_the_town_halls_to_change(commune, town_hall_editor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        commune_update_details(by=town_hall_editor, commune=commune, official_code="35000")


def test_menu_item_hidden_for_people_without_a_commune(client, db):
    person = UserFactory()
    person.user_permissions.add(Permission.objects.get(codename="access_admin"))
    verified_login(client, person)
    assert b"our-commune" not in client.get("/admin/").content
