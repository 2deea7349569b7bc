"""Provider bounce webhooks mark an address undeliverable; the person is told (NOT-4)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from notifications.models import Channel
from notifications.undeliverable import is_undeliverable
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = "mailgun-signing-key"
AUTH = "anymail:webhook-secret"


@pytest.fixture
def anymail_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": KEY}


def _payload(recipient: str, *, key: str = KEY) -> dict:
    timestamp, token = str(int(time.time())), "f" * 50
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": "failed",
            "severity": "permanent",
            "reason": "bounce",
            "recipient": recipient,
            "timestamp": float(timestamp),
            "id": "evt-1",
            "message": {"headers": {"message-id": "abc@mailgun"}},
            "delivery-status": {"code": 550, "message": "No such user"},
        },
    }


def _post(payload: dict):
    credentials = base64.b64encode(AUTH.encode()).decode()
    return Client().post(
        "/anymail/mailgun/tracking/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )


def test_a_signed_bounce_marks_the_address(anymail_settings):
    person = UserFactory(email="boite.pleine@example.org")
    assert _post(_payload("boite.pleine@example.org")).status_code == 200
    assert is_undeliverable(person, Channel.EMAIL)


def test_a_forged_bounce_is_refused_and_marks_nothing(anymail_settings):
    person = UserFactory(email="victime@example.org")
    response = _post(_payload("victime@example.org", key="not-the-key"))
    assert response.status_code == 400
    assert not is_undeliverable(person, Channel.EMAIL)
