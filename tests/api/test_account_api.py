"""Accounts through the API: registration, verification, profile, phones, email, password."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from tests.committing import commit_each_request
from tests.factories import PASSWORD, UserFactory

User = get_user_model()
STRONG = "Remparts-2026-marée"


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    """An API client whose queued emails leave as each request ends."""
    client = APIClient()
    return commit_each_request(client, django_capture_on_commit_callbacks)


@pytest.fixture
def me(api, resident):
    resident.mobile = "+33611223344"
    resident.address = "1 Grande Rue 35400 Saint-Malo"
    resident.save()
    api.force_authenticate(resident)
    return resident


def registration(**overrides):
    data = {
        "email": "Kouame@example.org",
        "password": STRONG,
        "first_name": "Kouamé",
        "last_name": "Yao",
        "address": "Rue des Jardins, Cocody",
        "latitude": 5.36,
        "longitude": -3.99,
        "mobile": "+225 07 01 02 03 04",
        "accepts_sms": True,
    }
    data.update(overrides)
    return data


def test_register_then_verify_then_get_a_token(api, db):
    response = api.post("/api/v1/accounts/register/", registration(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email_verified"] is False
    assert body["card"]["relation"] == "self"
    assert body["card"]["mobile"] == "+2250701020304"
    token_request = {"email": "kouame@example.org", "password": STRONG, "device_name": "Tecno"}
    refused = api.post("/api/v1/auth/tokens/", token_request, format="json")
    assert refused.status_code == 400
    uid, token = re.search(r"/verifier/([^/]+)/([^/]+)/", mail.outbox[0].body).groups()
    assert (
        api.post("/api/v1/accounts/verify/", {"uid": uid, "token": "x" + token}).status_code == 400
    )
    assert api.post("/api/v1/accounts/verify/", {"uid": uid, "token": token}).status_code == 204
    assert api.post("/api/v1/auth/tokens/", token_request, format="json").status_code == 201


def test_registration_errors_are_400_with_field_messages(api, db):
    UserFactory(email="kouame@example.org")
    response = api.post(
        "/api/v1/accounts/register/",
        registration(password="123", latitude=95, longitude=None, mobile="12"),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert {"latitude", "mobile"} <= set(body)
    response = api.post("/api/v1/accounts/register/", registration(), format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    response = api.post(
        "/api/v1/accounts/register/",
        registration(email="autre@example.org", password="123"),
        format="json",
    )
    assert "password" in response.json()


def test_register_geocodes_the_address_of_the_commune_country(api, other_commune, fake_geocoder):
    response = api.post(
        "/api/v1/accounts/register/",
        registration(
            address="boulevard latrille cocody", latitude=None, longitude=None, commune="cocody"
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["location"]["coordinates"][1] == pytest.approx(5.3640927)
    assert fake_geocoder.requests_to("nominatim")


def test_resend_does_not_tell_whether_an_account_exists(api, db):
    api.post("/api/v1/accounts/register/", registration(), format="json")
    mail.outbox.clear()
    assert (
        api.post("/api/v1/accounts/verification/", {"email": "kouame@example.org"}).status_code
        == 202
    )
    assert (
        api.post("/api/v1/accounts/verification/", {"email": "nobody@example.org"}).status_code
        == 202
    )
    assert len(mail.outbox) == 1


def test_me_needs_authentication(api, db):
    assert api.get("/api/v1/me/").status_code in (401, 403)
    assert api.patch("/api/v1/me/", {"pseudonym": "x"}).status_code in (401, 403)


def test_me_shows_everything_to_the_person(api, me):
    body = api.get("/api/v1/me/").json()
    assert body["card"]["email"] == me.email
    assert body["card"]["mobile"] == "+33611223344"
    assert body["card"]["address"] == "1 Grande Rue 35400 Saint-Malo"


def test_profile_update_pseudonym_and_switches(api, me):
    response = api.patch(
        "/api/v1/me/",
        {"pseudonym": "Marie des Remparts", "hide_mobile": True, "presentation": "Bonjour"},
        format="json",
    )
    assert response.status_code == 200
    me.refresh_from_db()
    assert (me.pseudonym, me.hide_mobile, me.presentation) == (
        "Marie des Remparts",
        True,
        "Bonjour",
    )


def test_profile_update_refuses_bad_input(api, me):
    response = api.patch(
        "/api/v1/me/", {"presentation": "x" * 1001, "birth_date": "2999-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "presentation" in response.json()
    response = api.patch("/api/v1/me/", {"birth_date": "2999-01-01"}, format="json")
    assert response.status_code == 400 and "birth_date" in response.json()


def test_sms_needs_a_mobile(api, resident):
    api.force_authenticate(resident)
    response = api.patch("/api/v1/me/", {"accepts_sms": True}, format="json")
    assert response.status_code == 400
    assert "accepts_sms" in response.json()


def test_phones_change_asks_the_password_again(api, me):
    response = api.put(
        "/api/v1/me/phones/", {"password": "wrong", "mobile": "+33699887766"}, format="json"
    )
    assert response.status_code == 400 and "password" in response.json()
    response = api.put(
        "/api/v1/me/phones/",
        {"password": PASSWORD, "mobile": "06 99 88 77 66", "landline": ""},
        format="json",
    )
    assert response.status_code == 400  # no country code and no region: refused
    response = api.put(
        "/api/v1/me/phones/",
        {"password": PASSWORD, "mobile": "+33699887766", "landline": None},
        format="json",
    )
    assert response.status_code == 200
    me.refresh_from_db()
    assert me.mobile == "+33699887766"


def test_address_from_gps_coordinates(api, me):
    response = api.put(
        "/api/v1/me/address/",
        {"address": "Chez moi", "latitude": 48.65, "longitude": -2.02},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["location"]["coordinates"] == [-2.02, 48.65]
    response = api.put("/api/v1/me/address/", {"address": "x", "latitude": 48.65}, format="json")
    assert response.status_code == 400


def test_email_change_confirms_the_new_address_and_tells_the_old_one(api, me):
    old = me.email
    assert (
        api.post(
            "/api/v1/me/email/", {"password": "wrong", "new_email": "n@example.org"}
        ).status_code
        == 400
    )
    response = api.post("/api/v1/me/email/", {"password": PASSWORD, "new_email": "N@example.org"})
    assert response.status_code == 202
    to = {message.to[0]: message for message in mail.outbox}
    assert set(to) == {"n@example.org", old}
    me.refresh_from_db()
    assert me.email == old  # nothing changes before the link is opened
    token = re.search(r"/courriel/confirmer/([^/]+)/", to["n@example.org"].body).group(1)
    assert api.post("/api/v1/accounts/email-change/", {"token": token + "x"}).status_code == 400
    assert api.post("/api/v1/accounts/email-change/", {"token": token}).status_code == 204
    me.refresh_from_db()
    assert me.email == "n@example.org"
    # The link is used up: the old address it was made for is gone.
    assert api.post("/api/v1/accounts/email-change/", {"token": token}).status_code == 400


def test_email_change_to_an_address_in_use_is_refused(api, me):
    UserFactory(email="taken@example.org")
    response = api.post(
        "/api/v1/me/email/", {"password": PASSWORD, "new_email": "taken@example.org"}
    )
    assert response.status_code == 400 and "new_email" in response.json()


def test_password_change_ends_the_other_devices(api, resident):
    other, _key = DeviceToken.issue(user=resident, name="Old phone")
    current, key = DeviceToken.issue(user=resident, name="This phone")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    weak = api.post("/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "123"})
    assert weak.status_code == 400 and "new_password" in weak.json()
    response = api.post(
        "/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "Nouveau-Mot-2026"}
    )
    assert response.status_code == 204
    other.refresh_from_db()
    current.refresh_from_db()
    assert other.revoked_at is not None
    assert current.revoked_at is None
    assert api.get("/api/v1/me/").status_code == 200


def test_photo_upload_is_re_encoded(api, me, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), "blue").save(buffer, format="PNG")
    upload = SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")
    response = api.put("/api/v1/me/photo/", {"photo": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["card"]["photo_url"].endswith(".jpg")
    bad = SimpleUploadedFile("p.png", b"not an image", content_type="image/png")
    assert api.put("/api/v1/me/photo/", {"photo": bad}, format="multipart").status_code == 400
    assert api.delete("/api/v1/me/photo/").status_code == 204
    me.refresh_from_db()
    assert not me.photo


def test_register_a_neighbour(api, me):
    response = api.post(
        "/api/v1/me/neighbours/",
        {
            "email": "voisin@example.org",
            "first_name": "Joseph",
            "last_name": "Rault",
            "address": "3 Rue de Dinan",
            "latitude": 48.648,
            "longitude": -2.026,
        },
        format="json",
    )
    assert response.status_code == 201
    assert User.objects.get(email="voisin@example.org").registered_by == me
    assert mail.outbox[-1].to == ["voisin@example.org"]


def test_a_disabled_account_loses_its_tokens(api, resident):
    _token, key = DeviceToken.issue(user=resident, name="Phone")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
    resident.is_active = False
    resident.save()
    assert api.get("/api/v1/me/").status_code == 401
