import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from tests.factories import PASSWORD, UserFactory

TOKENS = reverse("api:v1:token-list")
ME = reverse("api:v1:me")


@pytest.fixture(autouse=True)
def _no_throttle_history():
    cache.clear()  # the token throttle counts in the cache
    yield
    cache.clear()


def issue(client, user, password=PASSWORD, device="Téléphone de Marie"):
    return client.post(
        TOKENS, {"email": user.email, "password": password, "device_name": device}, format="json"
    )


def authed(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_issue_a_token_with_email_and_password_and_use_it(api_client, resident):
    response = issue(api_client, resident)
    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith(body["prefix"])
    client = authed(body["key"])
    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == resident.email
    # Only a digest is stored.
    assert not DeviceToken.objects.filter(digest=body["key"]).exists()


def test_wrong_password_is_400(api_client, resident):
    response = issue(api_client, resident, password="not the password")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not DeviceToken.objects.filter(user=resident).exists()


def test_list_shows_only_my_active_tokens_without_keys(api_client, resident):
    key = issue(api_client, resident).json()["key"]
    issue(api_client, resident, device="Tablette")
    other = UserFactory()
    issue(api_client, other)
    response = authed(key).get(TOKENS)
    assert response.status_code == 200
    results = response.json()["results"]
    assert sorted(t["name"] for t in results) == ["Tablette", "Téléphone de Marie"]
    assert all("key" not in t for t in results)


def test_revoking_another_persons_token_is_404(api_client, resident):
    key = issue(api_client, resident).json()["key"]
    other = UserFactory()
    theirs = issue(api_client, other).json()
    response = authed(key).delete(reverse("api:v1:token-detail", args=[theirs["id"]]))
    assert response.status_code == 404
    assert authed(theirs["key"]).get(ME).status_code == 200


def test_revoked_token_is_401(api_client, resident):
    body = issue(api_client, resident).json()
    client = authed(body["key"])
    assert client.delete(reverse("api:v1:token-detail", args=[body["id"]])).status_code == 204
    assert client.get(ME).status_code == 401
    assert DeviceToken.objects.get(pk=body["id"]).revoked_at is not None


def test_unknown_token_is_401(db):
    assert authed("not-a-token").get(ME).status_code == 401


def test_listing_tokens_needs_authentication(api_client, db):
    assert api_client.get(TOKENS).status_code == 401
