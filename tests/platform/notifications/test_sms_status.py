"""SMS delivery reports: signed ones mark a number undeliverable; forged ones are refused."""

from __future__ import annotations

import pytest
from django.test import Client

from notifications.models import Channel
from notifications.sms_http import twilio_signature
from notifications.undeliverable import is_undeliverable
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "http://testserver/notifications/sms/twilio/statut/"


@pytest.fixture
def person(settings):
    settings.SMS_TWILIO = {"ACCOUNT_SID": "AC1", "AUTH_TOKEN": "secret-token"}
    settings.SMS_CALLBACK_TOKEN = "callback-secret"
    user = UserFactory(mobile="+33612345678", accepts_sms=True)
    return user


def _twilio(params, token="secret-token"):
    return Client().post(
        "/notifications/sms/twilio/statut/",
        params,
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(token, URL, params),
    )


def test_twilio_failure_report_marks_the_number(person):
    params = {
        "MessageSid": "SM1",
        "MessageStatus": "undelivered",
        "ErrorCode": "30005",
        "To": "+33612345678",
    }
    assert _twilio(params).status_code == 200
    assert is_undeliverable(person, Channel.SMS)


def test_twilio_forged_report_is_refused(person):
    params = {
        "MessageSid": "SM1",
        "MessageStatus": "failed",
        "ErrorCode": "30005",
        "To": "+33612345678",
    }
    assert _twilio(params, token="guess").status_code == 403
    assert not is_undeliverable(person, Channel.SMS)


def test_a_temporary_failure_marks_nothing(person):
    params = {
        "MessageSid": "SM1",
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "To": "+33612345678",
    }
    assert _twilio(params).status_code == 200
    assert not is_undeliverable(person, Channel.SMS)


def test_orange_report_needs_the_secret_token(person):
    body = {
        "deliveryInfoNotification": {
            "deliveryInfo": {"address": "tel:+33612345678", "deliveryStatus": "DeliveryImpossible"}
        }
    }
    client = Client()
    refused = client.post(
        "/notifications/sms/orange/statut/?token=wrong", body, content_type="application/json"
    )
    assert refused.status_code == 403
    client.post(
        "/notifications/sms/orange/statut/?token=callback-secret",
        body,
        content_type="application/json",
    )
    assert client.get("/notifications/sms/unknown/statut/").status_code == 404
