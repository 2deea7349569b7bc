"""Alert SMS leave a REAL worker: ``manage.py qcluster`` against the test database.

Every other test runs django-q2 in sync mode, where no schedule is ever written: the
SMS drain's schedule once carried ``39,<Channel.SMS: 'sms'>``, which the cluster's
scheduler could not read, and no alert SMS left any real worker. Here a qcluster
process (``config.settings.test`` with ``Q_SYNC=0``: tasks on a broker, one worker)
runs while the test sends alerts through ``modules.alerts.services``, once with the
ORM broker and once with Redis (``Q_REDIS_URL``, database ``WORKER_REDIS_DB``), and
each SMS is read from the worker's ``FileSmsBackend`` (one JSON line per SMS).

The cluster's scheduler runs each time its guard cycles add up to 30 s: with
``Q_GUARD_CYCLE=15`` it first runs 15 s after the cluster starts, after the alerts
below were sent (and the 3 s of ALR-3 have passed). Select these tests with
``pytest tests/e2e/test_worker_sms.py`` (or ``-k real_worker``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from django_q.conf import Conf
from django_q.models import Schedule, Success

from modules.alerts import services
from notifications.models import Channel, Delivery
from notifications.services import mark_read
from tests import qcluster

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_DB = int(os.environ.get("WORKER_REDIS_DB", "13"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
WAIT = 60  # seconds: the scheduler's first run comes after 15 s
SMS_DELAY = 3  # ALR-3's delay in these tests, instead of 240 s


@pytest.fixture(params=["orm", "redis"])
def broker(request, monkeypatch):
    """The broker of the worker and of this process (the web side) alike."""
    monkeypatch.setattr(Conf, "SYNC", False)
    if request.param == "orm":
        yield {}
        return
    import redis

    client = redis.from_url(REDIS_URL)
    client.flushdb()  # our own database number only
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    yield {"Q_REDIS_URL": REDIS_URL}
    client.flushdb()
    client.close()


@pytest.fixture
def sms_file(tmp_path):
    return tmp_path / "sms.jsonl"


@pytest.fixture
def worker(broker, sms_file, tmp_path):
    """Start ``manage.py qcluster``; stop it (SIGTERM, then SIGKILL) whatever happens."""
    # Only what the test writes: the periodic tasks (the deliveries' sweep among them)
    # would send the SMS too and hide a schedule that fails.
    Schedule.objects.all().delete()
    process = qcluster.start(tmp_path, SMS_FILE_PATH=str(sms_file), **broker)
    try:
        yield process
    finally:
        qcluster.stop(process)


def received(sms_file: Path) -> list[dict]:
    if not sms_file.exists():
        return []
    return [json.loads(line) for line in sms_file.read_text().splitlines()]


def wait_for(condition, worker, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if worker.poll() is not None:
            pytest.fail(f"the worker stopped ({worker.returncode}):\n{qcluster.log(worker)}")
        time.sleep(0.5)
    pytest.fail(f"no {what} within {WAIT} s; worker log:\n{qcluster.log(worker)}")


def drained(event_id: int):
    """The drain task the schedule created, once the worker saved its success."""
    return (
        Success.objects.filter(func="notifications.delivery.drain", args=(event_id, "sms"))
        .values_list("result", flat=True)
        .first()
    )


def test_real_worker_sends_a_town_hall_alert_sms_at_once(alert_world, worker, sms_file):
    w = alert_world
    w.resident.mobile, w.resident.accepts_sms = "+33655555555", True
    w.resident.save()
    alert = services.send_town_hall_alert(
        by=w.communication, commune=w.commune, category="weather", text="Vigilance orages."
    )

    wait_for(lambda: len(received(sms_file)) >= 2, worker, "SMS")
    assert wait_for(lambda: drained(alert.event_id), worker, "drain result") == 2
    messages = received(sms_file)
    assert sorted(m["to"] for m in messages) == ["+33612345678", "+33655555555"]
    assert {m["purpose"] for m in messages} == {"alert"}
    assert all("Vigilance orages." in m["body"] for m in messages)
    assert "Could not create task" not in qcluster.log(worker)
    schedule = Schedule.objects.get(func="notifications.delivery.drain")
    assert (schedule.args, schedule.repeats) == (f"({alert.event_id}, 'sms')", 0)


def test_real_worker_sends_a_community_alert_sms_only_to_who_has_not_read_it(
    alert_world, worker, sms_file, settings
):
    settings.ALERTS_SMS_DELAY_SECONDS = SMS_DELAY
    w = alert_world
    w.referent.mobile, w.referent.accepts_sms = "+33699999999", True
    w.referent.save()
    alert = services.send_community_alert(author=w.member, text="Démarcheur suspect, rue Thiers.")
    # The référent reads it before the delay; Sophie (sms_member) does not.
    assert mark_read(w.referent, alert.event_id)

    wait_for(lambda: received(sms_file), worker, "SMS")
    assert wait_for(lambda: drained(alert.event_id), worker, "drain result") == 1
    messages = received(sms_file)
    assert [m["to"] for m in messages] == ["+33612345678"]
    assert "Démarcheur suspect, rue Thiers." in messages[0]["body"]
    statuses = dict(
        Delivery.objects.filter(event=alert.event, channel=Channel.SMS).values_list(
            "recipient_id", "status"
        )
    )
    assert statuses == {w.referent.pk: "skipped", w.sms_member.pk: "sent"}
    assert "Could not create task" not in qcluster.log(worker)
