"""ACC-12 and ACC-13 for notifications: closing erases, the export shows."""

from __future__ import annotations

import pytest

from accounts.closure import account_close
from accounts.export import account_export
from notifications.fanout import publish
from notifications.models import Notification, Preference, PushDevice
from notifications.services import register_device, set_preference
from tests.factories import PASSWORD
from tests.notifications import followers_of, residents

pytestmark = pytest.mark.django_db


def test_export_lists_preferences_devices_and_notifications(commune, engine_kinds):
    (person,) = residents(commune, 1)
    set_preference(person, "messages", frequency="daily", email=True, push=False)
    register_device(person, platform="android", token="fcm-1", name="Tecno Spark")
    publish("test.message", audience=followers_of(commune), commune=commune, title="Bonjour")
    section = account_export(person)["sections"]["notifications"]
    assert {
        "rubric": "messages",
        "frequency": "daily",
        "email": True,
        "push": False,
        "chosen": True,
    } in section["preferences"]
    assert section["devices"][0]["name"] == "Tecno Spark"
    assert "fcm-1" not in str(section)  # the token is a credential, not personal data to hand out
    assert section["notifications"][0]["title"] == "Bonjour"


def test_closing_the_account_erases_its_notification_data(commune, engine_kinds, rf):
    (person,) = residents(commune, 1)
    set_preference(person, "messages", frequency="daily", email=True, push=False)
    register_device(person, platform="android", token="fcm-1")
    publish("test.message", audience=followers_of(commune), commune=commune, title="Bonjour")
    request = rf.post("/")
    request.user = person
    request.session = {}
    account_close(user=person, password=PASSWORD, request=request)
    assert not Notification.objects.filter(recipient_id=person.pk).exists()
    assert not PushDevice.objects.filter(user_id=person.pk).exists()
    assert not Preference.objects.filter(user_id=person.pk).exists()
