"""Periodic tasks of reports (modules/reports/tasks.py): "is it fixed?" four weeks after
resolution, and locating the addresses kept while the geocoder was down — as the
scheduler calls them, and through a real ``qcluster``."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from communes.services import module_set_enabled
from modules.reports import services, tasks
from modules.reports.models import Report
from notifications.models import Event, Notification
from tests.follows import root
from tests.modules.reports.helpers import make_report


def events(kind: str) -> list[Event]:
    return list(Event.objects.filter(kind=kind).order_by("pk"))


def recipients(event: Event) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


def resolved(commune, author, category, *, days_ago: float):
    report = make_report(commune, author, category)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RESOLVED, resolved_at=timezone.now() - timedelta(days=days_ago)
    )
    report.refresh_from_db()
    return report


# --- ask_if_fixed --------------------------------------------------------------------------------


def test_the_reporter_is_asked_28_days_after_resolution_once(
    commune, resident, neighbour, graffiti
):
    due = resolved(commune, resident, graffiti, days_ago=28.01)
    not_yet = resolved(commune, neighbour, graffiti, days_ago=27.9)
    make_report(commune, resident, graffiti)  # open
    assert tasks.ask_if_fixed() == 1
    due.refresh_from_db()
    not_yet.refresh_from_db()
    assert due.fixed_asked_at is not None
    assert not_yet.fixed_asked_at is None
    (event,) = events("reports.fixed_check")
    assert recipients(event) == {resident.pk}
    assert event.url == f"/problemes/{due.pk}/corrige/"
    assert tasks.ask_if_fixed() == 0
    assert len(events("reports.fixed_check")) == 1


def test_a_report_without_a_reporter_is_not_asked(commune, graffiti):
    report = resolved(commune, None, graffiti, days_ago=40)
    assert tasks.ask_if_fixed() == 0
    report.refresh_from_db()
    assert report.fixed_asked_at is None


def test_nobody_is_asked_where_the_module_is_off(commune, resident, graffiti):
    resolved(commune, resident, graffiti, days_ago=40)
    module_set_enabled(by=root(), commune=commune, module="reports", enabled=False)
    assert tasks.ask_if_fixed() == 0


def report_queries(captured) -> list[str]:
    """The queries that read or write reports (not the notification engine's)."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('UPDATE "reports_report"')
        or (query["sql"].startswith("SELECT") and 'FROM "reports_report"' in query["sql"])
    ]


def test_ask_if_fixed_reads_and_marks_a_batch_in_constant_queries(
    commune, resident, graffiti, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    resolved(commune, resident, graffiti, days_ago=40)
    with CaptureQueriesContext(connection) as one:
        assert tasks.ask_if_fixed() == 1
    for _ in range(5):
        resolved(commune, resident, graffiti, days_ago=40)
    with CaptureQueriesContext(connection) as five:
        assert tasks.ask_if_fixed() == 5
    assert len(report_queries(five)) == len(report_queries(one)) == 2  # select the batch, mark it


# --- locate_pending ------------------------------------------------------------------------------


def test_locate_pending_locates_what_the_geocoder_missed(
    commune, resident, graffiti, fake_geocoder
):
    fake_geocoder.down()
    first = services.report_create(
        commune=commune,
        author=resident,
        category=graffiti,
        title="Tag",
        description="Un tag sur la mairie.",
        address="12 rue de l'Église Saint-Malo",
    )
    second = services.report_create(
        commune=commune,
        author=resident,
        category=graffiti,
        title="Autre tag",
        description="Un autre tag.",
        address="Rue introuvable",
    )
    assert (first.locate_pending, second.locate_pending) == (True, True)
    assert tasks.locate_pending() == 0  # still down: the run stops
    assert Report.objects.filter(locate_pending=True).count() == 2

    fake_geocoder.recover()
    assert tasks.locate_pending() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.location is not None and first.locate_pending is False
    assert second.location is None and second.locate_pending is False
    assert tasks.locate_pending() == 0


def test_locate_pending_takes_at_most_100_a_run(commune, resident, graffiti, fake_geocoder):
    for _ in range(101):
        make_report(
            commune,
            resident,
            graffiti,
            point=None,
            locate_pending=True,
            address="12 rue de l'Église Saint-Malo",
        )
    assert tasks.locate_pending() == 100
    assert Report.objects.filter(locate_pending=True).count() == 1


# --- through a real worker ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_qcluster_asks_if_fixed(commune, resident, graffiti, tmp_path, monkeypatch):
    from django_q.conf import Conf
    from django_q.models import Schedule, Success

    from core.schedules import sync_schedules
    from tests import qcluster
    from tests.follows import validated

    validated(resident, commune)
    due = resolved(commune, resident, graffiti, days_ago=30)

    monkeypatch.setattr(Conf, "SYNC", False)
    Schedule.objects.all().delete()
    sync_schedules()
    Schedule.objects.exclude(name="reports: fixed?").delete()
    Schedule.objects.filter(name="reports: fixed?").update(next_run=timezone.now())
    assert Schedule.objects.get().func == "modules.reports.tasks.ask_if_fixed"

    worker = qcluster.start(tmp_path, guard_cycle=30)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            due.refresh_from_db()
            if due.fixed_asked_at is not None:
                break
            if worker.poll() is not None:
                pytest.fail(f"the worker stopped ({worker.returncode}):\n{qcluster.log(worker)}")
            time.sleep(0.5)
        else:
            pytest.fail(f"not asked within 60 s; worker log:\n{qcluster.log(worker)}")
        (event,) = events("reports.fixed_check")
        assert recipients(event) == {resident.pk}
        deadline = time.monotonic() + 20
        while not Success.objects.filter(func="modules.reports.tasks.ask_if_fixed").exists():
            assert time.monotonic() < deadline, qcluster.log(worker)
            time.sleep(0.5)
        assert 1 in [
            task.result
            for task in Success.objects.filter(func="modules.reports.tasks.ask_if_fixed")
        ]
        assert "Traceback" not in qcluster.log(worker)
    finally:
        qcluster.stop(worker)
