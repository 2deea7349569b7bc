"""ALR-3 through the API: consent to alert SMS with the mobile, true by default, withdrawable."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from modules.alerts import services as alerts
from notifications import delivery, sms
from notifications.models import Channel
from tests.committing import commit_each_request
from tests.factories import PASSWORD, UserFactory
from tests.follows import validated

User = get_user_model()
STRONG = "Remparts-2026-marée"
NEW_MOBILE = "+33622334455"

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    client = APIClient()
    return commit_each_request(client, django_capture_on_commit_callbacks)


def registration(**overrides):
    data = {
        "email": "yvonne@example.org",
        "password": STRONG,
        "first_name": "Yvonne",
        "last_name": "Le Goff",
        "address": "2 Place Chateaubriand 35400 Saint-Malo",
        "latitude": 48.6493,
        "longitude": -2.0257,
        "mobile": NEW_MOBILE,
    }
    data.update(overrides)
    return data


def town_hall_alert_sms(world) -> list[str]:
    sms.outbox.clear()
    alert = alerts.send_town_hall_alert(
        by=world.communication, commune=world.commune, category="weather", text="Orages."
    )
    delivery.drain(alert.event_id, Channel.SMS, now=timezone.now())
    return sorted(message.to for message in sms.outbox)


def test_registering_with_a_mobile_accepts_sms_by_default(api, alert_world):
    response = api.post("/api/v1/accounts/register/", registration(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["accepts_sms"] is True
    validated(User.objects.get(email="yvonne@example.org"), alert_world.commune)
    assert town_hall_alert_sms(alert_world) == ["+33612345678", NEW_MOBILE]


def test_registering_with_accepts_sms_false_gets_no_alert_sms(api, alert_world):
    response = api.post(
        "/api/v1/accounts/register/", registration(accepts_sms=False), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["accepts_sms"] is False
    validated(User.objects.get(email="yvonne@example.org"), alert_world.commune)
    assert town_hall_alert_sms(alert_world) == ["+33612345678"]


def test_registering_without_a_mobile_accepts_nothing(api, db):
    response = api.post("/api/v1/accounts/register/", registration(mobile=""), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["accepts_sms"] is False


def test_the_schema_documents_the_default(api, db):
    schema = api.get("/api/v1/schema/?format=json").json()
    field = schema["components"]["schemas"]["RegistrationInputRequest"]["properties"]["accepts_sms"]
    assert field["default"] is True
    assert "PATCH /api/v1/me/" in field["description"]


def test_me_withdraws_consent_and_the_next_alert_sends_no_sms(api, alert_world):
    person = alert_world.sms_member
    api.force_authenticate(person)
    response = api.patch("/api/v1/me/", {"accepts_sms": False}, format="json")
    assert response.status_code == 200
    assert response.json()["accepts_sms"] is False
    assert town_hall_alert_sms(alert_world) == []


def test_phones_a_first_mobile_accepts_a_changed_one_keeps_the_choice(api, db):
    person = UserFactory()
    api.force_authenticate(person)
    response = api.put(
        "/api/v1/me/phones/", {"password": PASSWORD, "mobile": NEW_MOBILE}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["accepts_sms"] is True
    api.patch("/api/v1/me/", {"accepts_sms": False}, format="json")
    response = api.put(
        "/api/v1/me/phones/", {"password": PASSWORD, "mobile": "+33622334466"}, format="json"
    )
    assert response.json()["accepts_sms"] is False
    response = api.put(
        "/api/v1/me/phones/",
        {"password": PASSWORD, "mobile": "+33622334466", "accepts_sms": True},
        format="json",
    )
    assert response.json()["accepts_sms"] is True
    response = api.put("/api/v1/me/phones/", {"password": PASSWORD, "mobile": ""}, format="json")
    assert response.json()["accepts_sms"] is False


def test_the_alerts_preference_carries_the_sms_switch(api, alert_world):
    person = alert_world.sms_member
    api.force_authenticate(person)
    rows = {row["rubric"]: row for row in api.get("/api/v1/me/notification-preferences/").json()}
    assert rows["alerts"]["sms"] is True
    assert rows["news"]["sms"] is None
    alerts_row = {k: rows["alerts"][k] for k in ("frequency", "email", "push")}
    response = api.put(
        "/api/v1/me/notification-preferences/alerts/", {**alerts_row, "sms": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["sms"] is False
    person.refresh_from_db()
    assert person.accepts_sms is False
    news_row = {k: rows["news"][k] for k in ("frequency", "email", "push")}
    response = api.put(
        "/api/v1/me/notification-preferences/news/", {**news_row, "sms": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"sms": ["Seules les alertes sont envoyées par SMS."]}


def test_the_sms_switch_needs_a_mobile(api, alert_world):
    api.force_authenticate(alert_world.member)  # no mobile
    rows = {row["rubric"]: row for row in api.get("/api/v1/me/notification-preferences/").json()}
    assert rows["alerts"]["sms"] is False
    alerts_row = {k: rows["alerts"][k] for k in ("frequency", "email", "push")}
    response = api.put(
        "/api/v1/me/notification-preferences/alerts/", {**alerts_row, "sms": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "sms": ["Indiquez un numéro de mobile pour recevoir les alertes par SMS."]
    }
