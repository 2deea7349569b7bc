"""The notification centre and preferences on the site (NOT-1, NOT-2), from every side."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from notifications.fanout import publish
from notifications.models import Notification, Preference, PushDevice
from notifications.undeliverable import mark_undeliverable
from tests.factories import UserFactory
from tests.notifications import followers_of, residents

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def _client(user):
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def _form_data(person) -> dict:
    """What the browser posts: every row as shown."""
    from notifications.selectors import offered_preferences

    data = {}
    for choice in offered_preferences(person):
        key = choice.rubric.key
        data[f"{key}-frequency"] = choice.frequency
        if choice.email:
            data[f"{key}-email"] = "on"
        if choice.push:
            data[f"{key}-push"] = "on"
    return data


def _events(commune, count, kind="test.message"):
    return [
        publish(
            kind, audience=followers_of(commune), commune=commune, title=f"Message {i}", url="/"
        ).event
        for i in range(count)
    ]


def test_centre_lists_newest_first_with_the_unread_count_in_the_header(commune, engine_kinds):
    (person,) = residents(commune, 1)
    _events(commune, 3)
    response = _client(person).get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Message 2") < html.index("Message 1") < html.index("Message 0")
    assert 'data-unread="3"' in html


def test_centre_costs_the_same_queries_for_3_or_30_notifications(commune, engine_kinds):
    (person,) = residents(commune, 1)
    client = _client(person)
    _events(commune, 3)
    client.get("/notifications/")  # warm caches (site, theme)
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    _events(commune, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/notifications/")
    assert response.content.decode().count('class="notification ') == 20
    assert len(few) == len(many)


def test_opening_marks_read_and_mark_all(commune, engine_kinds):
    (person,) = residents(commune, 1)
    first, _second = _events(commune, 2)
    client = _client(person)
    response = client.get(f"/notifications/{first.pk}/")
    assert response.status_code == 302
    assert Notification.objects.get(event=first, recipient=person).read_at is not None
    assert 'data-unread="1"' in client.get("/notifications/").content.decode()
    client.post("/notifications/tout-lu/")
    assert not Notification.objects.filter(recipient=person, read_at__isnull=True).exists()


def test_nobody_reads_or_opens_someone_elses_notification(commune, engine_kinds):
    (person,) = residents(commune, 1)
    (event,) = _events(commune, 1)
    stranger = UserFactory()
    client = _client(stranger)
    assert client.get(f"/notifications/{event.pk}/").status_code == 404
    assert client.post(f"/notifications/{event.pk}/lu/").status_code == 404
    assert Notification.objects.get(event=event, recipient=person).read_at is None
    assert Client(HTTP_HOST=HOST).get("/notifications/").status_code == 302  # signed out


def test_preferences_form_saves_and_shows_alerts_locked(commune, engine_kinds):
    (person,) = residents(commune, 1)
    client = _client(person)
    page = client.get("/notifications/preferences/").content.decode()
    assert "Toujours actives" in page
    assert (
        'name="alerts-frequency" disabled' in page
        or "disabled" in page.split('name="alerts-frequency"')[1][:200]
    )
    data = _form_data(person)
    data.update({"messages-frequency": "daily", "messages-email": "on", "news-frequency": "off"})
    response = client.post("/notifications/preferences/", data)
    assert response.status_code == 302
    assert Preference.objects.get(user=person, rubric="messages").frequency == "daily"
    assert Preference.objects.get(user=person, rubric="news").frequency == "off"
    assert not Preference.objects.filter(user=person, rubric="alerts").exists()


def test_a_forged_post_cannot_turn_alerts_off(commune, engine_kinds):
    (person,) = residents(commune, 1)
    data = _form_data(person)
    data["alerts-frequency"] = "off"
    response = _client(person).post("/notifications/preferences/", data)
    assert response.status_code == 200
    assert "ne peuvent pas être désactivées" in response.content.decode()
    assert not Preference.objects.filter(user=person).exists()


def test_an_undeliverable_address_is_shown_to_the_person(commune, engine_kinds):
    (person,) = residents(commune, 1)
    mark_undeliverable(person, "email", "mailgun: bounced")
    html = _client(person).get("/notifications/").content.decode()
    assert "Nous ne parvenons pas" in html and person.email in html


def subscribe_keys() -> dict:
    """A browser's real subscription keys (P-256 point, 16-byte secret), base64url."""
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return {"p256dh": b64(point), "auth": b64(os.urandom(16))}


def test_web_push_subscription_from_the_site(commune):
    (person,) = residents(commune, 1)
    client = _client(person)
    endpoint = "https://updates.push.services.mozilla.com/wpush/v2/abc"
    bad = client.post("/notifications/push/abonnement/", "{}", content_type="application/json")
    assert bad.status_code == 400
    forged = client.post(
        "/notifications/push/abonnement/",
        {"endpoint": endpoint, "keys": {"p256dh": "BPx", "auth": "a1"}},
        content_type="application/json",
    )
    assert forged.status_code == 400 and not PushDevice.objects.exists()
    browser = subscribe_keys()
    ok = client.post(
        "/notifications/push/abonnement/",
        {"endpoint": endpoint, "keys": browser},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert PushDevice.objects.get(token=endpoint).user == person
    client.delete(
        "/notifications/push/abonnement/", {"endpoint": endpoint}, content_type="application/json"
    )
    assert not PushDevice.objects.filter(token=endpoint).exists()


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
