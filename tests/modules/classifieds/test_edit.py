"""The author changes their classified: /annonces/<pk>/modifier/ and PATCH in the API.

Anyone else gets exactly 404 (as for "not yours" elsewhere in the module); a closed or
expired classified is no longer changed; the end date never moves.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from wagtail.models import ModelLogEntry

from communes.models import StaffRole
from modules.classifieds.models import Classified
from modules.classifieds.services import classified_close, classified_update
from tests.factories import UserFactory
from tests.follows import grant
from tests.two_factor import verified_login

HOST = "saint-malo.localhost"
API = "/api/v1/communes/saint-malo/classifieds/"


def site_for(user):
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def edit_data(**overrides):
    data = {
        "kind": "request",
        "title": "Tonte et taille de haies",
        "description": "Le samedi matin, avec mon matériel.",
        "contact": "Plutôt le soir",
        "show_email": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- the site -----------------------------------------------------------------------


def test_the_author_changes_their_classified_on_the_site(commune, resident, publish):
    classified = publish(commune, resident)
    expires_at = classified.expires_at
    client = site_for(resident)
    form = client.get(f"/annonces/{classified.pk}/modifier/")
    assert form.status_code == 200
    assert 'value="Tonte de pelouse"' in form.content.decode()
    response = client.post(f"/annonces/{classified.pk}/modifier/", edit_data())
    assert response.status_code == 302
    assert response["Location"] == f"/annonces/{classified.pk}/"
    classified.refresh_from_db()
    assert (classified.kind, classified.title, classified.contact) == (
        "request",
        "Tonte et taille de haies",
        "Plutôt le soir",
    )
    assert (classified.show_phone, classified.show_email) == (False, True)
    assert classified.expires_at == expires_at
    assert classified.status == Classified.Status.OPEN
    entry = ModelLogEntry.objects.get(action="wagtail.edit", object_id=str(classified.pk))
    assert entry.user_id == resident.pk
    page = client.get(response["Location"]).content.decode()
    assert "Votre annonce est enregistrée." in page
    assert resident.email in page  # shown, as she chose


def test_the_detail_and_my_classifieds_link_to_the_form(commune, resident, publish):
    classified = publish(commune, resident)
    client = site_for(resident)
    link = f'href="/annonces/{classified.pk}/modifier/"'
    assert link in client.get(f"/annonces/{classified.pk}/").content.decode()
    assert link in client.get("/annonces/mes-annonces/").content.decode()


def test_bad_input_keeps_the_form_with_french_errors(commune, resident, publish):
    classified = publish(commune, resident)
    response = site_for(resident).post(
        f"/annonces/{classified.pk}/modifier/", edit_data(title="", kind="sale")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "kind"}
    assert "Champ requis." in response.content.decode()
    classified.refresh_from_db()
    assert classified.title == "Tonte de pelouse"


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_resident_gets_a_404(commune, resident, neighbour, publish, method):
    classified = publish(commune, resident)
    response = getattr(site_for(neighbour), method)(
        f"/annonces/{classified.pk}/modifier/", edit_data()
    )
    assert response.status_code == 404
    classified.refresh_from_db()
    assert classified.title == "Tonte de pelouse"


def test_town_hall_staff_get_a_404_too(commune, resident, publish):
    """Staff correct classifieds in the admin (moderation), not through the author's form."""
    classified = publish(commune, resident)
    staff = UserFactory()
    grant(commune, staff, StaffRole.Role.COUNCIL)
    client = Client(HTTP_HOST=HOST)
    verified_login(client, staff)
    assert client.get(f"/annonces/{classified.pk}/").status_code == 200  # they read it
    assert client.get(f"/annonces/{classified.pk}/modifier/").status_code == 404


def test_unknown_or_elsewhere_is_a_404(commune, other_commune, resident, publish):
    elsewhere = publish(other_commune, resident)
    client = site_for(resident)
    assert client.get(f"/annonces/{elsewhere.pk}/modifier/").status_code == 404
    assert client.get("/annonces/99999999999999999999/modifier/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_login(commune, resident, publish):
    classified = publish(commune, resident)
    response = Client(HTTP_HOST=HOST).get(f"/annonces/{classified.pk}/modifier/")
    assert response.status_code == 302
    assert response["Location"] == f"/compte/connexion/?next=/annonces/{classified.pk}/modifier/"


def test_a_closed_classified_is_no_longer_changed_on_the_site(commune, resident, publish):
    classified = classified_close(classified=publish(commune, resident), by=resident)
    client = site_for(resident)
    for response in (
        client.get(f"/annonces/{classified.pk}/modifier/"),
        client.post(f"/annonces/{classified.pk}/modifier/", edit_data()),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"/annonces/{classified.pk}/"
    page = client.get(f"/annonces/{classified.pk}/").content.decode()
    assert "Cette annonce est fermée ou expirée : elle ne peut plus être modifiée." in page
    assert f"/annonces/{classified.pk}/modifier/" not in page
    classified.refresh_from_db()
    assert classified.title == "Tonte de pelouse"


def test_the_edit_page_needs_a_csrf_token(commune, resident, publish):
    classified = publish(commune, resident)
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    client.force_login(resident)
    assert client.post(f"/annonces/{classified.pk}/modifier/", edit_data()).status_code == 403


# --- the API ------------------------------------------------------------------------


def test_the_author_patches_their_classified(commune, resident, publish):
    resident.mobile = "+33611223344"
    resident.save(update_fields=["mobile"])
    classified = publish(commune, resident)
    response = api_for(resident).patch(
        f"{API}{classified.pk}/", {"title": "Tonte (samedi)", "show_phone": True}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["show_phone"]) == (
        "Tonte (samedi)",
        "Je tonds votre pelouse le samedi matin.",
        True,
    )
    assert body["author_contact"]["mobile"] == "+33611223344"
    assert (
        body["expires_at"] == api_for(resident).get(f"{API}{classified.pk}/").json()["expires_at"]
    )


def test_another_resident_patching_gets_a_404(commune, resident, neighbour, publish):
    classified = publish(commune, resident)
    response = api_for(neighbour).patch(f"{API}{classified.pk}/", {"title": "À moi"}, format="json")
    assert response.status_code == 404
    classified.refresh_from_db()
    assert classified.title == "Tonte de pelouse"


def test_patching_a_closed_classified_is_a_400(commune, resident, publish):
    classified = classified_close(classified=publish(commune, resident), by=resident)
    response = api_for(resident).patch(f"{API}{classified.pk}/", {"title": "Encore"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Cette annonce est fermée ou expirée : elle ne peut plus être modifiée."
        ]
    }


def test_patching_an_expired_classified_is_a_400(commune, resident, publish):
    classified = publish(commune, resident)
    Classified.objects.filter(pk=classified.pk).update(
        created_at=timezone.now() - timedelta(days=40),
        expires_at=timezone.now() - timedelta(days=1),
    )
    response = api_for(resident).patch(f"{API}{classified.pk}/", {"title": "Encore"}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": 12}, "title"),
        ({"kind": "sale"}, "kind"),
        ({"description": "x" * 3001}, "description"),
        ({"show_phone": True}, "show_phone"),  # Marie gave no number
        ({"show_email": "oui"}, "show_email"),
    ],
)
def test_bad_patches_are_a_400(commune, resident, publish, data, field):
    classified = publish(commune, resident)
    response = api_for(resident).patch(f"{API}{classified.pk}/", data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    classified.refresh_from_db()
    assert (classified.title, classified.show_phone) == ("Tonte de pelouse", False)


def test_an_empty_patch_changes_nothing(commune, resident, publish):
    classified = publish(commune, resident)
    response = api_for(resident).patch(f"{API}{classified.pk}/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Tonte de pelouse"
    assert not ModelLogEntry.objects.filter(action="wagtail.edit").exists()


def test_the_service_refuses_anyone_but_the_author(commune, resident, neighbour, publish):
    from django.core.exceptions import PermissionDenied

    classified = publish(commune, resident)
    with pytest.raises(PermissionDenied):
        classified_update(classified=classified, by=neighbour, title="À moi")
    with pytest.raises(TypeError):
        classified_update(classified=classified, by=resident, status="closed")
