"""What the code hands django-q2 survives django-q2's own scheduler and broker.

A schedule's ``args`` is read back with ``ast.literal_eval`` by the cluster's
scheduler: ``39,<Channel.SMS: 'sms'>`` failed there ("Could not create task from
schedule … malformed node") and no alert SMS ever left a real worker, while the tests,
in sync mode, never wrote the schedule. Here the writing side runs as a worker's
client does (``Conf.SYNC`` off), then ``django_q.scheduler.scheduler`` itself turns
every schedule into a task on the ORM broker, and each task's payload is unpickled.

The real worker, end to end: tests/e2e/test_worker_sms.py.
"""

from __future__ import annotations

import ast
import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q import scheduler as django_q_scheduler
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from core.schedules import sync_schedules
from modules.alerts import inbound, services
from notifications.models import Channel, Event

pytestmark = pytest.mark.django_db

PLAIN = (int, str, float, bool, type(None))


def plain(value) -> bool:
    """Only Python literals, of their exact built-in types (no enum member, no lazy str)."""
    if type(value) in (tuple, list):
        return all(plain(item) for item in value)
    if type(value) is dict:
        return all(type(k) is str and plain(v) for k, v in value.items())
    return type(value) in PLAIN


class Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def django_q_errors():
    """ERROR records of django-q2's logger (tests run with ``-p no:logging``: no caplog)."""
    handler = Records()
    logger = logging.getLogger("django-q")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.fixture
def worker_client(monkeypatch):
    """The web process of a real deployment: tasks and schedules go to the broker."""
    monkeypatch.setattr(Conf, "SYNC", False)
    # The scheduler closes "old" connections first; here that is the test's own,
    # inside its transaction.
    monkeypatch.setattr(django_q_scheduler, "close_old_django_connections", lambda: None)
    assert Conf.ORM == "default"
    Schedule.objects.all().delete()
    OrmQ.objects.all().delete()


def queued() -> list[dict]:
    """The tasks on the ORM broker, unsigned and unpickled as a worker does."""
    return [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("pk")]


def test_every_task_and_schedule_the_code_writes_becomes_a_task_of_plain_literals(
    alert_world, partner_commune, worker_client, django_q_errors, django_capture_on_commit_callbacks
):
    w = alert_world
    w.resident.mobile, w.resident.accepts_sms = "+33655555555", True
    w.resident.save()
    w.commune.police_email = "police@saint-malo.example"
    w.commune.save()

    # Periodic tasks of the core apps and modules (core.schedules).
    periodic = sync_schedules()
    assert periodic == Schedule.objects.count()
    assert {
        "notifications.tasks.sweep_deliveries",
        "communities.tasks.remind_referents",
        "modules.classifieds.tasks.expire_classifieds",
        "modules.alerts.tasks.dispatch_pending",
    } <= set(Schedule.objects.values_list("func", flat=True))
    # The drain of a town-hall alert's SMS (ALR-5: now) and of a community alert's
    # (ALR-3: later), the e-mail batches and the police e-mail (async_task), an
    # inbound SMS reply (async_task, the number encrypted).
    with django_capture_on_commit_callbacks(execute=True):
        town_hall = services.send_town_hall_alert(
            by=w.communication, commune=w.commune, category="weather", text="Orages."
        )
    with django_capture_on_commit_callbacks(execute=True):
        community = services.send_community_alert(author=w.member, text="Démarcheur suspect.")
    with django_capture_on_commit_callbacks(execute=True):
        inbound.queue_reply("+33612345678", "Votre alerte est partie.")

    drains = Schedule.objects.filter(schedule_type=Schedule.ONCE).order_by("pk")
    assert [(s.func, s.args, s.repeats) for s in drains] == [
        ("notifications.delivery.drain", f"({town_hall.event_id}, 'sms')", 1),
        ("notifications.delivery.drain", f"({community.event_id}, 'sms')", 1),
    ]
    assert drains[1].next_run >= timezone.now() + timedelta(seconds=200)  # ALR-3: 240 s later

    direct = queued()  # the async_task calls of the sends
    assert {t["func"] for t in direct} == {
        "notifications.delivery.drain",
        "modules.alerts.tasks.email_police",
        "modules.alerts.inbound.send_reply",
    }
    twinned = Event.objects.get(kind="alerts.twinned", data__alert=community.pk)
    assert {t["args"] for t in direct if t["func"] == "notifications.delivery.drain"} == {
        (town_hall.event_id, "email"),
        (community.event_id, "email"),
        (twinned.pk, "email"),  # TWN-3
    }
    assert [t["args"] for t in direct if t["func"].endswith("email_police")] == [(community.pk,)]
    (reply,) = [t for t in direct if t["func"].endswith("send_reply")]
    sealed, text = reply["args"]
    assert "+33612345678" not in sealed and text == "Votre alerte est partie."
    OrmQ.objects.all().delete()

    # Everything is due: django-q2's scheduler, as the cluster runs it every 30 s.
    Schedule.objects.update(next_run=timezone.now() - timedelta(seconds=1))
    django_q_scheduler.scheduler(broker=get_broker())

    assert [r.getMessage() for r in django_q_errors] == []
    tasks = queued()
    expected = {(s.func, ast.literal_eval(s.args or "()")) for s in Schedule.objects.all()}
    assert {(t["func"], tuple(t["args"])) for t in tasks} == expected
    assert len(tasks) == periodic + 2
    assert {t["args"] for t in tasks if t["func"] == "notifications.delivery.drain"} == {
        (town_hall.event_id, "sms"),
        (community.event_id, "sms"),
    }
    for task in [*direct, *tasks]:
        assert plain(task["args"]) and plain(task["kwargs"]), task
    # Each schedule got its task: the drains are spent, the periodic ones go on.
    assert all(s.task for s in Schedule.objects.all())
    assert set(drains.values_list("repeats", flat=True)) == {0}
    assert set(
        Schedule.objects.exclude(schedule_type=Schedule.ONCE).values_list("repeats", flat=True)
    ) == {-1}


def test_a_channel_member_is_written_as_its_value(worker_client):
    from notifications.fanout import _schedule_drain

    due = timezone.now()
    _schedule_drain(7, Channel.SMS, due)
    schedule = Schedule.objects.get()
    assert schedule.args == "(7, 'sms')"
    assert schedule.name == f"notifications:sms:7:{due:%Y%m%d%H%M%S}"
    args = ast.literal_eval(schedule.args)
    assert args == (7, "sms") and type(args[1]) is str
