"""Channel sends: exactly once under a re-run and a killed worker; retries; batches (NOT-4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications import delivery
from notifications.fanout import publish
from notifications.models import Channel, Delivery, DeliveryStatus, UndeliverableAddress
from notifications.undeliverable import is_undeliverable
from tests.notifications import followers_of, residents

ROOT = Path(__file__).resolve().parents[3]


def _event(commune, monkeypatch=None, count=5):
    """An event whose e-mail deliveries are pending (their tasks not run yet)."""
    people = residents(commune, count)
    if monkeypatch is not None:
        monkeypatch.setattr("notifications.fanout.queue_batches", lambda *a, **k: 0)
    result = publish(
        "test.message",
        audience=followers_of(commune),
        commune=commune,
        title="Collecte des encombrants",
        url="/actualites/encombrants/",
    )
    return result.event, people


def _emails_sent_to(people):
    return sorted(
        address for m in mail.outbox for address in m.to if address in {p.email for p in people}
    )


@pytest.mark.django_db
def test_rerunning_a_batch_sends_nothing_twice(commune, engine_kinds, monkeypatch):
    event, people = _event(commune, monkeypatch)
    mail.outbox.clear()
    assert delivery.send_batch(event.pk, Channel.EMAIL) == 5
    assert delivery.send_batch(event.pk, Channel.EMAIL) == 0
    assert delivery.sweep() == 0
    assert _emails_sent_to(people) == sorted(p.email for p in people)
    assert set(Delivery.objects.filter(event=event).values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_publishing_the_same_event_again_queues_no_new_send(
    commune, engine_kinds, django_capture_on_commit_callbacks
):
    residents(commune, 3)
    with django_capture_on_commit_callbacks(execute=True):
        publish(
            "test.message",
            audience=followers_of(commune),
            commune=commune,
            title="A",
            dedupe_key="k",
        )
    count = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        publish(
            "test.message",
            audience=followers_of(commune),
            commune=commune,
            title="A",
            dedupe_key="k",
        )
    assert len(mail.outbox) == count


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nobody_and_repeats_nobody(
    commune, engine_kinds, monkeypatch, tmp_path
):
    event, people = _event(commune, monkeypatch, count=8)
    log = tmp_path / "delivered.txt"
    code = (
        "from django.conf import settings;"
        "settings.EMAIL_BACKEND = 'tests.fakes.mail.KillingEmailBackend';"
        "from notifications.kinds import kinds;"
        "from tests.notifications import TEST_KINDS;"
        "kinds._kinds.update({k.key: k for k in TEST_KINDS});"
        "from notifications.delivery import send_batch;"
        f"send_batch({event.pk}, 'email')"
    )
    name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgis://postgres@127.0.0.1:5432/{name}",
        "KILLING_BACKEND_LOG": str(log),
        "KILLING_BACKEND_AFTER": "3",
    }
    worker = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert worker.returncode == -9, worker.stderr.decode()[-2000:]
    first_run = log.read_text().split()
    assert len(first_run) == 3
    statuses = dict(Delivery.objects.filter(event=event).values_list("recipient__email", "status"))
    assert sorted(e for e, s in statuses.items() if s == "sent") == sorted(first_run)
    assert sum(1 for s in statuses.values() if s == "sending") == 5

    # The worker's batch is still leased: a run now leaves it alone…
    mail.outbox.clear()
    assert delivery.sweep() == 0
    # …and once the task timeout has passed, the restarted worker finishes it.
    later = timezone.now() + timedelta(seconds=settings.Q_CLUSTER["timeout"] + 1)
    assert delivery.sweep(now=later) == 5
    second_run = _emails_sent_to(people)
    assert not set(first_run) & set(second_run)
    assert sorted(first_run + second_run) == sorted(p.email for p in people)
    assert delivery.sweep(now=later + timedelta(minutes=10)) == 0


class FlakyBackend:
    """Refuses the first ``fail`` messages (a provider's 5xx), then delivers."""

    fail = 1
    seen = 0

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        return None

    def send_messages(self, messages):
        FlakyBackend.seen += 1
        if FlakyBackend.seen <= FlakyBackend.fail:
            raise ConnectionError("503 Service Unavailable")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db
def test_a_provider_error_is_retried_later_with_back_off(
    commune, engine_kinds, monkeypatch, settings
):
    event, people = _event(commune, monkeypatch, count=1)
    settings.EMAIL_BACKEND = "tests.platform.notifications.test_delivery.FlakyBackend"
    FlakyBackend.seen = 0
    mail.outbox.clear()
    assert delivery.send_batch(event.pk, Channel.EMAIL) == 0
    row = Delivery.objects.get(event=event)
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and "503" in row.error
    assert row.not_before > timezone.now()
    assert delivery.sweep() == 0  # not before the back-off
    assert delivery.sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert Delivery.objects.get(event=event).status == DeliveryStatus.SENT
    assert _emails_sent_to(people) == [people[0].email]


@pytest.mark.django_db
def test_a_rejected_address_is_marked_and_not_used_again(
    commune, engine_kinds, monkeypatch, settings
):
    from anymail.backends.test import EmailBackend  # noqa: F401 - anymail's own test backend

    event, people = _event(commune, monkeypatch, count=1)
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {"TEST_SEND_DEFAULTS": {}}
    person = people[0]

    original = delivery._anymail_status
    monkeypatch.setattr(
        delivery,
        "_anymail_status",
        lambda m, e: "rejected" if e == person.email else original(m, e),
    )
    delivery.send_batch(event.pk, Channel.EMAIL)
    row = Delivery.objects.get(event=event)
    assert row.status == DeliveryStatus.FAILED
    assert is_undeliverable(person, Channel.EMAIL)
    # The next event gets no e-mail delivery for that address…
    second = publish("test.message", audience=followers_of(commune), commune=commune, title="B")
    assert not Delivery.objects.filter(event=second.event, channel="email").exists()
    # …until the person changes it.
    person.email = "nouvelle.adresse@example.org"
    person.save()
    assert not UndeliverableAddress.objects.filter(user=person).exists()


@pytest.mark.django_db
def test_anymail_batch_send_carries_merge_data(commune, engine_kinds, monkeypatch, settings):
    event, people = _event(commune, monkeypatch, count=3)
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.NOTIFICATIONS_EMAIL_MERGE_FIELD = "%recipient.{}%"
    mail.outbox.clear()
    assert delivery.send_batch(event.pk, Channel.EMAIL) == 3
    (message,) = mail.outbox
    assert sorted(message.to) == sorted(p.email for p in people)
    assert "%recipient.link%" in message.alternatives[0][0]
    assert "%recipient.unsubscribe%" in message.extra_headers["List-Unsubscribe"]
    for person in people:
        row = message.merge_data[person.email]
        assert row["name"] == person.first_name
        assert row["link"].startswith("http://saint-malo.localhost/n/")
        assert "/n/desabonnement/" in row["unsubscribe"]
    assert message.anymail_test_params["merge_data"] == message.merge_data


@pytest.mark.django_db
def test_a_drain_task_out_of_time_hands_over_to_its_successor(
    commune, engine_kinds, monkeypatch, settings
):
    event, people = _event(commune, monkeypatch, count=5)
    settings.NOTIFICATIONS_BATCH_SIZE = {"email": 2}
    mail.outbox.clear()
    # A zero budget: one batch, then a successor task (run inline by the test settings).
    assert delivery.drain(event.pk, Channel.EMAIL, budget=0) == 2
    assert _emails_sent_to(people) == sorted(p.email for p in people)
    assert not Delivery.objects.filter(event=event).exclude(status="sent").exists()


@pytest.mark.django_db
def test_publishing_queues_a_bounded_number_of_tasks(settings, monkeypatch):
    from django_q.conf import Conf
    from django_q.models import OrmQ

    from notifications.fanout import queue_batches

    settings.NOTIFICATIONS_PARALLEL_SENDS = 4
    monkeypatch.setattr(Conf, "SYNC", False)  # queue them in the ORM broker, as in production

    assert queue_batches(1, Channel.EMAIL, 100_000) == 4
    assert queue_batches(1, Channel.EMAIL, 300) == 1
    assert OrmQ.objects.count() == 5


@pytest.mark.django_db
def test_a_batch_goes_to_a_real_esp_as_one_anymail_batch_send(
    commune, engine_kinds, monkeypatch, settings
):
    """Mailgun's API, through anymail's own Mailgun backend, on a local fake server."""
    from tests.fakes.mailgun import API_KEY, DOMAIN, fake_mailgun_server

    event, people = _event(commune, monkeypatch, count=3)
    with fake_mailgun_server() as mailgun:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = {
            "MAILGUN_API_KEY": API_KEY,
            "MAILGUN_SENDER_DOMAIN": DOMAIN,
            "MAILGUN_API_URL": mailgun.api_url,
        }
        settings.NOTIFICATIONS_EMAIL_MERGE_FIELD = "%recipient.{}%"
        assert delivery.send_batch(event.pk, Channel.EMAIL) == 3
    (request,) = mailgun.requests  # one API call for the whole batch
    assert sorted(request["to"]) == sorted(p.email for p in people)
    variables = json.loads(request["recipient-variables"][0])
    for person in people:
        assert variables[person.email]["name"] == person.first_name
        assert variables[person.email]["link"].startswith("http://saint-malo.localhost/n/")
    assert "%recipient.link%" in request["html"][0]
    assert request["h:List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
    assert set(Delivery.objects.filter(event=event).values_list("status", flat=True)) == {"sent"}


def test_a_running_task_is_never_handed_to_a_second_worker():
    """django-q2 re-delivers a task after ``retry``; it kills it at ``timeout``."""
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]
    assert delivery.lease_seconds() == settings.Q_CLUSTER["timeout"]


@pytest.mark.django_db
def test_sms_go_out_for_alerts_only_and_only_to_numbers_that_accept_them(
    commune, engine_kinds, monkeypatch
):
    from notifications import sms
    from notifications.fanout import add_delivery
    from notifications.sms import SmsNotAllowed

    monkeypatch.setattr("notifications.fanout.queue_batches", lambda *a, **k: 0)
    accepts, refuses, no_mobile = residents(commune, 3)
    for person, number, accepted in (
        (accepts, "+33612345678", True),
        (refuses, "+33698765432", False),
    ):
        person.mobile, person.accepts_sms = number, accepted
        person.save()
    alert = publish("test.alert", audience=followers_of(commune), commune=commune, title="Crue")
    for person in (accepts, refuses, no_mobile):
        add_delivery(alert.event, person, Channel.SMS)
    sms.outbox.clear()
    assert delivery.send_batch(alert.event.pk, Channel.SMS) == 1
    (message,) = sms.outbox
    assert message.to == "+33612345678" and message.body.startswith("Saint-Malo : Crue")
    statuses = dict(
        Delivery.objects.filter(event=alert.event, channel="sms").values_list(
            "recipient_id", "status"
        )
    )
    assert statuses == {accepts.pk: "sent", refuses.pk: "skipped", no_mobile.pk: "skipped"}

    news = publish("test.message", audience=followers_of(commune), commune=commune, title="Info")
    add_delivery(news.event, accepts, Channel.SMS)
    with pytest.raises(SmsNotAllowed):
        delivery.send_batch(news.event.pk, Channel.SMS)
    assert len(sms.outbox) == 1
    assert Delivery.objects.get(event=news.event, channel="sms").status == "skipped"
