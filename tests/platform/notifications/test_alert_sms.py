"""The SMS of an alert: 4 minutes later, only to those who have not read it (ALR-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import delivery, sms
from notifications.fanout import publish, schedule_sms
from notifications.models import Channel, Delivery, Notification
from notifications.services import mark_read
from notifications.sms import SmsNotAllowed
from tests.notifications import followers_of, residents

pytestmark = pytest.mark.django_db
FOUR_MINUTES = timedelta(minutes=4)


@pytest.fixture
def alert(commune, engine_kinds):
    reader, sleeper, refuses = residents(commune, 3)
    for person, number, accepts in (
        (reader, "+33611111111", True),
        (sleeper, "+33622222222", True),
        (refuses, "+33633333333", False),
    ):
        person.mobile, person.accepts_sms = number, accepts
        person.save()
    result = publish(
        "test.alert", audience=followers_of(commune), commune=commune, title="Incendie rue Thiers"
    )
    return result.event, reader, sleeper, refuses


def test_read_within_four_minutes_no_sms_unread_one_sms_even_if_run_twice(commune, alert):
    event, reader, sleeper, refuses = alert
    sent_at = timezone.now()
    assert schedule_sms(event, followers_of(commune), delay=FOUR_MINUTES) == 2  # consenting only
    sms.outbox.clear()

    # At 3 minutes the reader opens it; nothing goes out before the 4 minutes.
    mark_read(reader, event.pk, now=sent_at + timedelta(minutes=3))
    assert delivery.drain(event.pk, Channel.SMS, now=sent_at + timedelta(minutes=3)) == 0
    assert sms.outbox == []

    at_four = sent_at + FOUR_MINUTES + timedelta(seconds=1)
    assert delivery.drain(event.pk, Channel.SMS, now=at_four) == 1
    assert delivery.drain(event.pk, Channel.SMS, now=at_four) == 0  # the task runs twice
    delivery.sweep(now=at_four + timedelta(minutes=10))  # sends the e-mails, no second SMS
    assert [m.to for m in sms.outbox] == ["+33622222222"]
    statuses = dict(
        Delivery.objects.filter(event=event, channel="sms").values_list("recipient_id", "status")
    )
    assert statuses == {reader.pk: "skipped", sleeper.pk: "sent"}
    assert refuses.pk not in statuses


def test_scheduling_again_adds_nobody_twice(commune, alert):
    event, *_ = alert
    assert schedule_sms(event, followers_of(commune), delay=FOUR_MINUTES) == 2
    assert schedule_sms(event, followers_of(commune), delay=FOUR_MINUTES) == 0


def test_a_town_hall_alert_goes_at_once_to_everyone_who_accepts(commune, alert):
    event, reader, _sleeper, _refuses = alert
    Notification.objects.filter(event=event, recipient=reader).update(read_at=timezone.now())
    schedule_sms(event, followers_of(commune), unread_only=False)
    sms.outbox.clear()
    assert delivery.drain(event.pk, Channel.SMS) == 2
    assert sorted(m.to for m in sms.outbox) == ["+33611111111", "+33622222222"]


def test_no_sms_for_anything_but_an_alert(commune, engine_kinds):
    residents(commune, 1)
    news = publish("test.message", audience=followers_of(commune), commune=commune, title="Info")
    with pytest.raises(SmsNotAllowed):
        schedule_sms(news.event, followers_of(commune))


def test_e_mail_only_publish_writes_no_centre_row_and_no_push(commune, engine_kinds):
    from notifications.services import register_device

    (person,) = residents(commune, 1)
    register_device(person, platform="android", token="fcm-x")
    result = publish(
        "test.alert",
        audience=followers_of(commune),
        commune=commune,
        title="Alerte chez nos jumeaux",
        channels=frozenset({"email"}),
    )
    assert not Notification.objects.filter(event=result.event).exists()
    assert set(Delivery.objects.filter(event=result.event).values_list("channel", flat=True)) == {
        "email"
    }
