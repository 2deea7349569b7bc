"""The engine's push channel: a published event reaches browsers and apps (NOT-4)."""

from __future__ import annotations

import pytest

from notifications.fanout import publish
from notifications.models import Delivery, DeliveryStatus, PushDevice
from notifications.services import register_device
from tests.fakes import push as fakes
from tests.notifications import followers_of, residents
from tests.platform.notifications.test_push import subscribe

pytestmark = pytest.mark.django_db
fake_webpush = fakes.fake_webpush
fake_fcm = fakes.fake_fcm


def test_an_alert_is_pushed_to_every_device_and_gone_ones_are_dropped(
    commune, engine_kinds, fake_webpush, fake_fcm, django_capture_on_commit_callbacks
):
    browser_owner, app_owner, moved_away = residents(commune, 3)
    browser = subscribe(fake_webpush, "phone")
    register_device(
        browser_owner,
        platform="web",
        token=browser.target.token,
        p256dh=browser.target.p256dh,
        auth=browser.target.auth,
    )
    register_device(app_owner, platform="android", token="fcm-android-1")
    stale = subscribe(fake_webpush, "old")
    register_device(
        moved_away,
        platform="web",
        token=stale.target.token,
        p256dh=stale.target.p256dh,
        auth=stale.target.auth,
    )
    fake_webpush.answer("old", 410)

    with django_capture_on_commit_callbacks(execute=True):
        result = publish(
            "test.alert",
            audience=followers_of(commune),
            commune=commune,
            title="Alerte inondation",
            body="Évitez les quais.",
            url="/alertes/7/",
        )

    (received,) = fake_webpush.received("phone")
    payload = browser.decrypt(received.body)
    assert payload["title"] == "Alerte inondation"
    assert payload["url"] == "http://saint-malo.localhost/alertes/7/"
    assert received.headers["urgency"] == "high"
    (message,) = fake_fcm.messages_to("fcm-android-1")
    assert message.message["android"]["priority"] == "HIGH"
    statuses = dict(
        Delivery.objects.filter(event=result.event, channel="push").values_list(
            "recipient_id", "status"
        )
    )
    assert statuses[browser_owner.pk] == statuses[app_owner.pk] == DeliveryStatus.SENT
    assert statuses[moved_away.pk] != DeliveryStatus.SENT
    assert not PushDevice.objects.get(token=stale.target.token).active


def test_push_follows_the_preference(commune, engine_kinds, fake_fcm):
    from notifications.services import set_preference

    (person,) = residents(commune, 1)
    register_device(person, platform="ios", token="fcm-ios-1")
    set_preference(person, "messages", frequency="instant", email=True, push=False)
    result = publish("test.message", audience=followers_of(commune), commune=commune, title="M")
    assert not Delivery.objects.filter(event=result.event, channel="push").exists()
