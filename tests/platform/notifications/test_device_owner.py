"""A push token has one owner: knowing it is not owning it (issue 21, item 12).

Until then ``register_device`` moved a token to whoever posted it: anyone who learnt a
phone's FCM token or a browser's push endpoint took its owner's notifications.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from notifications.models import PushDevice
from notifications.services import register_device
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.platform.notifications.test_centre import _client, subscribe_keys

pytestmark = pytest.mark.django_db

REFUSAL = (
    "This device already receives another account's notifications: sign out of that "
    "account on it first."
)
ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/owner-test"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def test_another_account_cannot_take_a_phone_token():
    owner, intruder = UserFactory(), UserFactory()
    register_device(owner, platform="android", token="fcm-owner")
    with pytest.raises(ValidationError) as refused:
        register_device(intruder, platform="android", token="fcm-owner")
    assert refused.value.message_dict == {"token": [REFUSAL]}
    assert PushDevice.objects.get(token="fcm-owner").user == owner


def test_the_api_answers_400_on_token_and_the_owner_keeps_it():
    owner, intruder = UserFactory(), UserFactory()
    register_device(owner, platform="ios", token="fcm-owner-ios")
    response = token_client(intruder).post(
        "/api/v1/me/devices/",
        {"platform": "ios", "token": "fcm-owner-ios"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json() == {"token": [REFUSAL]}
    assert PushDevice.objects.get(token="fcm-owner-ios").user == owner


def test_a_token_removed_on_sign_out_is_the_next_persons():
    first, second = UserFactory(), UserFactory()
    device = register_device(first, platform="android", token="fcm-shared-phone")
    assert token_client(first).delete(f"/api/v1/me/devices/{device.pk}/").status_code == 204
    moved = register_device(second, platform="android", token="fcm-shared-phone")
    assert moved.user == second


def test_a_dead_device_moves():
    first, second = UserFactory(), UserFactory()
    register_device(first, platform="android", token="fcm-dead")
    PushDevice.objects.filter(token="fcm-dead").update(active=False)
    assert register_device(second, platform="android", token="fcm-dead").user == second


def test_the_same_browser_moves_with_its_keys_a_stranger_without_them_does_not(commune):
    owner, neighbour, intruder = UserFactory(), UserFactory(), UserFactory()
    keys = subscribe_keys()
    register_device(owner, platform="web", token=ENDPOINT, p256dh=keys["p256dh"], auth=keys["auth"])
    # Someone who saw the endpoint, with keys of their own: refused on the site too.
    other = subscribe_keys()
    refused = _client(intruder).post(
        "/notifications/push/abonnement/",
        {"endpoint": ENDPOINT, "keys": other},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert refused.json() == {"token": [REFUSAL]}
    assert PushDevice.objects.get(token=ENDPOINT).user == owner
    # The same browser (its keys never leave it): another person signed in on it.
    moved = _client(neighbour).post(
        "/notifications/push/abonnement/",
        {"endpoint": ENDPOINT, "keys": keys},
        content_type="application/json",
    )
    assert moved.status_code == 201
    assert PushDevice.objects.get(token=ENDPOINT).user == neighbour
