"""The 48-hour reminder to the platform's staff (``moderation.tasks.remind_waiting_cases``):
once per wait, in the task as the scheduler calls it and through a real ``qcluster``."""

# ruff: noqa: F811  (the world fixture is imported, then named by the tests)

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation import services
from moderation.models import Case, Reason
from moderation.tasks import remind_waiting_cases
from notifications.models import Event, Notification
from tests.follows import root
from tests.platform.moderation.world import world  # noqa: F401

COMMENT = "conversations.comment"
POST = "gazette.post"


def open_case(world, kind=COMMENT, hours_ago: float = 0, reporter=None) -> Case:
    object_id = world.comment.pk if kind == COMMENT else world.post.pk
    reporter = reporter or (world.residents[0] if kind == COMMENT else world.members[0])
    case = services.report(
        reporter=reporter, kind=kind, object_id=object_id, reason=Reason.SPAM
    ).case
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(hours=hours_ago))
    case.refresh_from_db()
    return case


def reminders() -> list[Event]:
    return list(Event.objects.filter(kind="moderation.waiting").order_by("pk"))


def recipients(event: Event) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


@pytest.mark.django_db
def test_a_case_waiting_48_hours_is_reminded_once(world):
    late = open_case(world, hours_ago=49)
    open_case(world, kind=POST, hours_ago=47)
    assert remind_waiting_cases() == 1
    [event] = reminders()
    assert event.title == "1 signalement attend depuis plus de 48 heures"
    assert event.url == "/admin/moderation/?status=waiting&age=48h"
    assert event.data == {"count": 1, "hours": 48}
    late.refresh_from_db()
    assert late.reminded_at is not None
    # The next hour: the same case is not reminded again; the other is not late yet.
    assert remind_waiting_cases(now=timezone.now() + timedelta(minutes=30)) == 0
    assert len(reminders()) == 1
    # Two hours later the gazette case is late too: one more reminder, for it alone.
    assert remind_waiting_cases(now=timezone.now() + timedelta(hours=2)) == 1
    assert reminders()[-1].data["count"] == 1


@pytest.mark.django_db
def test_the_reminder_goes_to_the_platform_staff_only(world):
    open_case(world, hours_ago=50)
    admin = root()
    remind_waiting_cases()
    [event] = reminders()
    told = recipients(event)
    assert {world.moderator.pk, world.second_moderator.pk, admin.pk} <= told
    assert world.council.pk not in told  # the town hall reads its queue in the admin
    assert world.residents[0].pk not in told


@pytest.mark.django_db
def test_decided_cases_are_not_reminded_and_an_appeal_is_a_new_wait(world):
    case = open_case(world, kind=POST, hours_ago=60)
    services.decide(by=world.moderator, case=case, action="hide", note="Publicité.")
    assert remind_waiting_cases() == 0
    services.appeal(author=world.poster, case=case, text="Ce n'est pas de la pub.")
    # The appeal waits from its own date, not from the case's opening.
    assert remind_waiting_cases() == 0
    Case.objects.filter(pk=case.pk).update(appealed_at=timezone.now() - timedelta(hours=49))
    assert remind_waiting_cases() == 1
    assert remind_waiting_cases() == 0


@pytest.mark.django_db
def test_the_reminder_links_to_the_late_cases_in_the_queue(world):
    from tests.platform.moderation.world import admin_client

    late = open_case(world, hours_ago=49)
    fresh = open_case(world, kind=POST, hours_ago=1)
    remind_waiting_cases()
    [event] = reminders()
    text = admin_client(world.moderator).get(event.url).content.decode()
    assert f'data-case="{late.pk}"' in text
    assert f'data-case="{fresh.pk}"' not in text


@pytest.mark.django_db
def test_the_hours_are_a_setting(world, settings):
    settings.MODERATION_REMIND_AFTER_HOURS = 2
    open_case(world, hours_ago=3)
    assert remind_waiting_cases() == 1
    assert reminders()[0].title == "1 signalement attend depuis plus de 2 heures"


# --- through a real worker ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_qcluster_runs_the_reminder(world, tmp_path, monkeypatch):
    """The schedule as ``core.schedules`` writes it, run by ``manage.py qcluster`` (ORM
    broker, one worker) against the test database: the late case is reminded once."""
    from django_q.conf import Conf
    from django_q.models import Schedule, Success

    from tests import qcluster

    late = open_case(world, hours_ago=49)
    monkeypatch.setattr(Conf, "SYNC", False)
    Schedule.objects.all().delete()
    Schedule.objects.create(
        func="moderation.tasks.remind_waiting_cases",
        schedule_type=Schedule.MINUTES,
        minutes=60,
        next_run=timezone.now(),
        name="moderation: remind the platform staff of reports waiting 48 hours",
    )
    worker = qcluster.start(tmp_path)
    try:
        deadline = timezone.now() + timedelta(seconds=60)
        while timezone.now() < deadline:
            late.refresh_from_db()
            if late.reminded_at is not None and reminders():
                break
            if worker.poll() is not None:
                pytest.fail(f"the worker stopped ({worker.returncode}):\n{qcluster.log(worker)}")
            import time

            time.sleep(0.5)
        else:
            pytest.fail(f"no reminder within 60 s; worker log:\n{qcluster.log(worker)}")
        result = None
        while result is None and timezone.now() < deadline + timedelta(seconds=10):
            result = (
                Success.objects.filter(func="moderation.tasks.remind_waiting_cases")
                .values_list("result", flat=True)
                .first()
            )
        assert result == 1
        assert len(reminders()) == 1
        assert world.moderator.pk in recipients(reminders()[0])
    finally:
        qcluster.stop(worker)
