"""A suspended account (CNT-5, issue 17): no login on the site nor for an API token, whatever
the password and without a lockout attempt; an open session and a device token stop at once."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DeviceToken
from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("accounts:login")
PROFILE = reverse("accounts:profile")
TOKENS = reverse("api:v1:token-list")
ME = reverse("api:v1:me")
HOST = "saint-malo.localhost"
SUSPENDED_FR = "Votre compte est suspendu par la modération"
CONTACT = "/contact/?topic=account"

pytestmark = pytest.mark.django_db


def site_client() -> Client:
    return Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="fr")


def suspend(user):
    user.suspended_at = timezone.now()
    user.save(update_fields=["suspended_at"])
    return user


def lift(user):
    user.suspended_at = None
    user.save(update_fields=["suspended_at"])
    return user


@pytest.mark.parametrize("password", [PASSWORD, "pas le bon mot de passe"])
def test_the_site_refuses_a_suspended_account_whatever_the_password(resident, password):
    suspend(resident)
    client = site_client()
    response = client.post(LOGIN, {"username": resident.email.upper(), "password": password})
    assert response.status_code == 200
    html = response.content.decode()
    assert SUSPENDED_FR in html
    assert f'<a href="{CONTACT}">Contacter l’équipe</a>' in html.replace("&amp;", "&")
    assert "_auth_user_id" not in client.session
    # Never counted towards the lockout: six tries leave no failed attempt behind.
    for _n in range(5):
        client.post(LOGIN, {"username": resident.email, "password": "pas le bon"})
    assert not AccessAttempt.objects.exists()
    lift(resident)
    assert client.post(LOGIN, {"username": resident.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("password", [PASSWORD, "pas le bon mot de passe"])
def test_the_api_refuses_a_token_to_a_suspended_account(resident, api_client, password):
    suspend(resident)
    response = api_client.post(
        TOKENS,
        {"email": resident.email, "password": password, "device_name": "Téléphone"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail.startswith(SUSPENDED_FR)
    assert detail.endswith(f"http://testserver{CONTACT}")
    assert not DeviceToken.objects.exists()
    assert not AccessAttempt.objects.exists()


def test_an_open_session_ends_at_the_next_request(resident):
    client = site_client()
    client.force_login(resident)
    assert client.get(PROFILE).status_code == 200
    suspend(resident)
    response = client.get(PROFILE)
    assert response.status_code == 302 and response["Location"] == LOGIN
    login_page = client.get(LOGIN)
    assert SUSPENDED_FR in login_page.content.decode()
    assert "_auth_user_id" not in client.session
    # Still logged out afterwards, and the API answers as to a stranger.
    assert client.get(PROFILE)["Location"].startswith(f"{LOGIN}?next=")
    assert client.get(ME).status_code == 401


def test_another_persons_session_goes_on(resident):
    other = UserFactory()
    client = site_client()
    client.force_login(other)
    suspend(resident)
    assert client.get(PROFILE).status_code == 200


def test_an_existing_token_answers_401_until_the_suspension_is_lifted(resident, api_client):
    _token, key = DeviceToken.issue(user=resident, name="Téléphone")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(ME).status_code == 200
    suspend(resident)
    response = api_client.get(ME, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 401
    assert response.json()["detail"].startswith(SUSPENDED_FR)
    assert response["WWW-Authenticate"] == "Token"
    lift(resident)
    assert api_client.get(ME).status_code == 200
