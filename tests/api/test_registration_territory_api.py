"""The API's registration and address without the geocoder, inside the commune (ACC-1,
ACC-7, ACC-9, COM-5): the same rules and French messages as the site."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import tasks
from accounts.models import PendingLocation
from communes import demo
from communes.models import Follow
from tests.committing import commit_each_request

User = get_user_model()
REGISTER = "/api/v1/accounts/register/"
ADDRESS = "/api/v1/me/address/"
STRONG = "Remparts-2026-marée"
OUTSIDE = (
    "Ce point est en dehors de Saint-Malo. Placez-le sur votre domicile, dans la commune, "
    "ou vérifiez l’adresse."
)


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    return commit_each_request(client, django_capture_on_commit_callbacks)


@pytest.fixture
def bounded(commune):
    commune.boundary = demo.boundary("saint-malo")
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    commune.save()
    return commune


def registration(**overrides):
    data = {
        "email": "yvonne@example.org",
        "password": STRONG,
        "first_name": "Yvonne",
        "last_name": "Le Goff",
        "address": "12 rue de l'église saint-malo",
        "commune": "saint-malo",
    }
    data.update(overrides)
    return data


def test_registration_succeeds_with_the_geocoder_down(api, commune, fake_geocoder):
    fake_geocoder.down()

    response = api.post(REGISTER, registration(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["location"], body["location_pending"]) == (None, True)
    assert body["card"]["address"] == "12 rue de l'église saint-malo"
    user = User.objects.get(email="yvonne@example.org")
    assert PendingLocation.objects.get(user=user).commune == commune

    fake_geocoder.recover()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2), tick=False):
        assert tasks.locate_home(user.pk) == "located"
    user.refresh_from_db()
    api.force_authenticate(user)
    body = api.get("/api/v1/me/").json()
    assert body["location_pending"] is False
    assert body["location"]["coordinates"] == [-2.025674, 48.649337]


def test_a_point_outside_the_commune_is_a_400_on_the_address(api, bounded, fake_geocoder):
    response = api.post(REGISTER, registration(latitude=48.1173, longitude=-1.6778), format="json")
    assert response.status_code == 400
    assert response.json() == {"address": [OUTSIDE]}
    assert not User.objects.filter(email="yvonne@example.org").exists()


def test_a_point_inside_the_commune_is_accepted(api, bounded, fake_geocoder):
    response = api.post(REGISTER, registration(latitude=48.6493, longitude=-2.0257), format="json")
    assert response.status_code == 201
    assert response.json()["location"]["coordinates"] == [-2.0257, 48.6493]


def test_registering_with_a_commune_follows_it_pending_validation(api, commune, fake_geocoder):
    api.post(REGISTER, registration(), format="json")
    follow = Follow.objects.get(user__email="yvonne@example.org")
    assert (follow.commune, follow.status) == (commune, Follow.Status.PENDING)


def test_registering_without_a_commune_follows_nothing(api, commune, fake_geocoder):
    data = registration()
    del data["commune"]
    assert api.post(REGISTER, data, format="json").status_code == 201
    assert not Follow.objects.exists()


def test_an_unknown_commune_is_a_400(api, db, fake_geocoder):
    response = api.post(REGISTER, registration(commune="atlantide"), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["commune"]


def test_an_address_change_outside_the_commune_is_a_400(api, bounded, resident, fake_geocoder):
    api.force_authenticate(resident)
    response = api.put(
        ADDRESS,
        {"address": "Rennes", "latitude": 48.1173, "longitude": -1.6778, "commune": "saint-malo"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"address": [OUTSIDE]}


def test_an_address_change_with_the_geocoder_down_is_kept(api, commune, resident, fake_geocoder):
    api.force_authenticate(resident)
    fake_geocoder.fail(502)
    response = api.put(
        ADDRESS, {"address": "3 rue de Dinan", "commune": "saint-malo"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["location_pending"] is True
    assert PendingLocation.objects.filter(user=resident, commune=commune).exists()


def test_the_schema_documents_the_commune_and_the_pending_location(client, db):
    schema = client.get("/api/v1/schema/?format=json").json()
    register = schema["paths"]["/api/v1/accounts/register/"]["post"]
    assert "follows the commune" in register["description"]
    assert "location_pending" in register["description"]
    components = schema["components"]["schemas"]
    assert "commune" in components["RegistrationInputRequest"]["properties"]
    assert "location_pending" in components["ProfileOutput"]["required"]
