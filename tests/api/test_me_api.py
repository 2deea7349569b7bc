"""POST /api/v1/me/close/ (ACC-12) and GET /api/v1/me/export/ (ACC-13)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from communes.models import Follow
from modules.classifieds.models import Classified
from modules.classifieds.services import classified_create
from tests.api.conftest import token_client
from tests.factories import PASSWORD, UserFactory
from tests.platform.accounts.test_closure import ADDRESS, MOBILE, fill_profile

CLOSE = reverse("api:v1:me-close")
EXPORT = reverse("api:v1:me-export")
WHO_AM_I = reverse("api:v1:token-list")


@pytest.fixture(autouse=True)
def _no_throttle_history():
    cache.clear()  # DRF throttles count in the cache
    yield
    cache.clear()


@pytest.fixture
def marie(resident, commune):
    return fill_profile(resident)


@pytest.fixture
def marie_api(marie):
    return token_client(marie)


def test_the_paths_are_the_documented_ones():
    assert (CLOSE, EXPORT) == ("/api/v1/me/close/", "/api/v1/me/export/")


# --- close ---------------------------------------------------------------------------


def test_closing_needs_authentication(api_client, marie):
    assert api_client.post(CLOSE, {"password": PASSWORD}, format="json").status_code == 401
    marie.refresh_from_db()
    assert marie.closed_at is None


def test_a_wrong_password_is_a_400_on_the_password_field(marie_api, marie):
    response = marie_api.post(CLOSE, {"password": "not mine"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"password": ["Votre mot de passe est incorrect."]}
    marie.refresh_from_db()
    assert marie.closed_at is None and marie.address == ADDRESS


def test_a_missing_password_is_a_400(marie_api):
    response = marie_api.post(CLOSE, {}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_closing_answers_204_and_every_token_dies(marie_api, marie):
    other_device = token_client(marie)
    assert other_device.get(WHO_AM_I).status_code == 200

    response = marie_api.post(CLOSE, {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert not response.content
    assert marie_api.get(WHO_AM_I).status_code == 401
    assert other_device.get(WHO_AM_I).status_code == 401
    assert not DeviceToken.objects.filter(user_id=marie.pk).exists()
    closed = get_user_model().objects.get(pk=marie.pk)
    assert closed.closed_at is not None and closed.mobile is None


def test_closing_with_a_site_session_ends_it(marie):
    client = APIClient()
    client.force_login(marie)
    assert client.get(EXPORT).status_code == 200
    assert client.post(CLOSE, {"password": PASSWORD}, format="json").status_code == 204
    assert "_auth_user_id" not in client.session
    assert client.get(EXPORT).status_code in (401, 403)


def test_a_superuser_cannot_close_through_the_api(db):
    root = UserFactory(is_superuser=True, is_staff=True)
    response = token_client(root).post(CLOSE, {"password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    root.refresh_from_db()
    assert root.is_active and root.closed_at is None


def test_classifieds_stay_under_former_member_in_the_api(marie, commune):
    classified = classified_create(
        commune=commune,
        author=marie,
        kind=Classified.Kind.OFFER,
        title="Cours de tricot",
        description="Le mercredi après-midi.",
        contact="Par message",
    )
    token_client(marie).post(CLOSE, {"password": PASSWORD}, format="json")
    reader = UserFactory()
    Follow.objects.create(user=reader, commune=commune, status=Follow.Status.VALIDATED)
    neighbour = token_client(reader)
    body = neighbour.get(f"/api/v1/communes/saint-malo/classifieds/{classified.pk}/").json()
    assert "Ancien membre" in json.dumps(body, ensure_ascii=False)
    assert "Durand" not in json.dumps(body, ensure_ascii=False)


# --- export --------------------------------------------------------------------------


def test_export_needs_authentication(api_client, marie):
    response = api_client.get(EXPORT)
    assert response.status_code == 401
    assert "account" not in response.json()


def test_export_answers_the_person_data_never_cached(marie_api, marie, commune):
    classified_create(
        commune=commune,
        author=marie,
        kind=Classified.Kind.REQUEST,
        title="Cherche covoiturage",
        description="Pour le marché du samedi.",
        contact="Par message",
    )
    response = marie_api.get(EXPORT)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["platform"] == "Voisinage"
    assert data["account"]["mobile"] == MOBILE
    assert data["account"]["photo"].startswith("http://testserver/")
    assert [c["title"] for c in data["sections"]["classifieds"]] == ["Cherche covoiturage"]
    (token,) = data["device_tokens"]
    stored = DeviceToken.objects.get(user=marie)
    assert token["prefix"] == stored.prefix
    assert stored.digest not in response.content.decode()
    assert marie.password not in response.content.decode()


def test_export_is_the_caller_data_only(marie, commune):
    paul = UserFactory(first_name="Paulin", last_name="Kervella")
    body = token_client(paul).get(EXPORT).content.decode()
    assert "Paulin" in body
    for value in ("Durand", marie.email, MOBILE, ADDRESS):
        assert value not in body


def test_export_is_throttled_per_account(marie_api, commune):
    for _ in range(5):
        assert marie_api.get(EXPORT).status_code == 200
    refused = marie_api.get(EXPORT)
    assert refused.status_code == 429
    assert "account" not in refused.json()
    assert token_client(UserFactory()).get(EXPORT).status_code == 200


def test_the_schema_documents_both_operations(client, db):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    close = schema["paths"]["/api/v1/me/close/"]["post"]
    assert {"204", "400", "401"} <= set(close["responses"])
    export = schema["paths"]["/api/v1/me/export/"]["get"]
    assert {"200", "401", "429"} <= set(export["responses"])
    assert "Cache-Control" in export["responses"]["200"]["headers"]
    ref = export["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {
        "platform",
        "version",
        "exported_at",
        "account",
        "device_tokens",
        "follows",
        "staff_roles",
        "login_records",
        "sections",
    } <= set(component["required"])
