"""The notification centre, preferences and device registry in the API, from every side."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.fanout import publish
from notifications.models import Notification, PushDevice
from tests.factories import UserFactory
from tests.notifications import followers_of, residents

pytestmark = pytest.mark.django_db
BASE = "/api/v1/me"


def _events(commune, count):
    return [
        publish(
            "test.message",
            audience=followers_of(commune),
            commune=commune,
            title=f"N{i}",
            url="/x/",
        ).event
        for i in range(count)
    ]


def test_list_is_cursor_paginated_newest_first(api_client, commune, engine_kinds):
    (person,) = residents(commune, 1)
    events = _events(commune, 25)
    api_client.force_authenticate(person)
    first = api_client.get(f"{BASE}/notifications/").json()
    assert [row["id"] for row in first["results"]] == [e.pk for e in reversed(events)][:20]
    assert first["results"][0]["url"] == "http://saint-malo.localhost/x/"
    assert first["results"][0]["commune"] == "saint-malo"
    assert first["results"][0]["rubric"] == "messages"
    _events(commune, 1)  # a new one arrives: the next page does not shift
    second = api_client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [e.pk for e in reversed(events)][20:]


def test_list_costs_constant_queries(api_client, commune, engine_kinds):
    (person,) = residents(commune, 1)
    api_client.force_authenticate(person)
    _events(commune, 3)
    api_client.get(f"{BASE}/notifications/")
    with CaptureQueriesContext(connection) as few:
        api_client.get(f"{BASE}/notifications/")
    _events(commune, 20)
    with CaptureQueriesContext(connection) as many:
        api_client.get(f"{BASE}/notifications/")
    assert len(few) == len(many)


def test_read_one_read_all_and_unread_count(api_client, commune, engine_kinds):
    (person,) = residents(commune, 1)
    first, _second = _events(commune, 2)
    api_client.force_authenticate(person)
    assert api_client.get(f"{BASE}/notifications/unread-count/").json() == {"unread": 2}
    assert api_client.post(f"{BASE}/notifications/{first.pk}/read/").status_code == 204
    assert api_client.get(f"{BASE}/notifications/unread-count/").json() == {"unread": 1}
    assert api_client.post(f"{BASE}/notifications/read-all/").json() == {"marked": 1}


def test_someone_elses_notification_is_404(api_client, commune, engine_kinds):
    residents(commune, 1)
    (event,) = _events(commune, 1)
    api_client.force_authenticate(UserFactory())
    assert api_client.post(f"{BASE}/notifications/{event.pk}/read/").status_code == 404
    assert api_client.get(f"{BASE}/notifications/").json()["results"] == []
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_signed_out_gets_401_or_403(api_client):
    for url in ("notifications/", "notification-preferences/", "devices/"):
        assert api_client.get(f"{BASE}/{url}").status_code in (401, 403)


def test_preferences_read_change_and_alerts_refused_with_a_clear_400(
    api_client, resident, engine_kinds
):
    api_client.force_authenticate(resident)
    rows = {
        row["rubric"]: row for row in api_client.get(f"{BASE}/notification-preferences/").json()
    }
    assert rows["alerts"]["locked"] is True and rows["news"]["frequency"] == "daily"
    ok = api_client.put(
        f"{BASE}/notification-preferences/news/",
        {"frequency": "weekly", "email": True, "push": False},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["frequency"] == "weekly"
    refused = api_client.put(
        f"{BASE}/notification-preferences/alerts/",
        {"frequency": "off", "email": False, "push": False},
        format="json",
    )
    assert refused.status_code == 400
    assert "ne peuvent pas être désactivées" in str(refused.json())
    bad = api_client.put(
        f"{BASE}/notification-preferences/news/", {"frequency": "hourly"}, format="json"
    )
    assert bad.status_code == 400 and "frequency" in bad.json()
    assert api_client.get(f"{BASE}/notification-preferences/nope/").status_code == 404


def test_device_registry(api_client, resident):
    api_client.force_authenticate(resident)
    created = api_client.post(
        f"{BASE}/devices/",
        {"platform": "android", "token": "fcm-token-1", "name": "Tecno"},
        format="json",
    )
    assert created.status_code == 201
    again = api_client.post(
        f"{BASE}/devices/",
        {"platform": "android", "token": "fcm-token-1", "name": "Tecno"},
        format="json",
    )
    assert again.status_code == 201 and PushDevice.objects.filter(token="fcm-token-1").count() == 1
    web = api_client.post(
        f"{BASE}/devices/", {"platform": "web", "token": "http://x"}, format="json"
    )
    assert web.status_code == 400 and {"token", "p256dh", "auth"} <= set(web.json())
    assert [d["token"] for d in api_client.get(f"{BASE}/devices/").json()] == ["fcm-token-1"]
    device_id = created.json()["id"]
    api_client.force_authenticate(UserFactory())
    assert api_client.delete(f"{BASE}/devices/{device_id}/").status_code == 404
    api_client.force_authenticate(resident)
    assert api_client.delete(f"{BASE}/devices/{device_id}/").status_code == 204
