"""Notifications of reports (modules/reports/notify.py), through the services: audiences,
and titles that never carry a resident's words."""

from __future__ import annotations

from django.core import mail
from django.utils import timezone

from modules.reports import notify, services
from modules.reports.models import Report
from notifications.models import Event, Notification
from tests.modules.reports.helpers import SAINT_MALO, make_report

TITLE = "Trou énorme devant chez Mme Lefèvre"
DESCRIPTION = "Mon voisin M. Dupont est tombé dedans hier soir."


def events(kind: str) -> list[Event]:
    return list(Event.objects.filter(kind=kind).order_by("pk"))


def recipients(event: Event) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


def report_now(commune, author, category, capture, **kwargs):
    with capture(execute=True):
        return services.report_create(
            commune=commune,
            author=author,
            category=category,
            title=TITLE,
            description=DESCRIPTION,
            latitude=SAINT_MALO[0],
            longitude=SAINT_MALO[1],
            **kwargs,
        )


def assert_no_resident_words(event: Event) -> None:
    for words in (TITLE, DESCRIPTION, "Lefèvre", "Dupont"):
        assert words not in event.title
        assert words not in event.body


def test_a_new_pothole_goes_to_roads_and_the_town_hall_not_to_lighting(
    commune,
    resident,
    pothole,
    roads_agent,
    lighting_agent,
    mayor,
    django_capture_on_commit_callbacks,
):
    report = report_now(
        commune, resident, pothole, django_capture_on_commit_callbacks, answers={"danger": "oui"}
    )
    (event,) = events("reports.new")
    assert recipients(event) == {roads_agent.pk, mayor.pk}
    assert event.url == notify.staff_path(report)
    assert "Nid de poule" in event.title and "Saint-Malo" in event.title
    assert_no_resident_words(event)
    assert event.commune == commune
    assert event.data == {"report_id": report.pk, "category": "Nid de poule", "reassigned": False}


def test_a_new_report_e_mails_the_services_mailbox(
    commune, resident, pothole, roads_agent, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    report_now(
        commune, resident, pothole, django_capture_on_commit_callbacks, answers={"danger": "oui"}
    )
    to_mailbox = [message for message in mail.outbox if message.to == ["voirie@example.org"]]
    assert len(to_mailbox) == 1
    message = to_mailbox[0]
    assert "Nid de poule" in message.subject
    for words in (TITLE, DESCRIPTION):
        assert words not in message.subject and words not in message.body
    assert "/admin/reports/" in message.body


def test_a_category_without_service_goes_to_the_town_hall(
    commune, resident, graffiti, roads_agent, mayor, django_capture_on_commit_callbacks
):
    report_now(commune, resident, graffiti, django_capture_on_commit_callbacks)
    (event,) = events("reports.new")
    assert recipients(event) == {mayor.pk}


def test_a_repeated_text_is_held_hidden_and_tells_nobody(
    commune, resident, graffiti, mayor, django_capture_on_commit_callbacks, settings
):
    from datetime import timedelta

    from core.signals import content_held

    held = []

    def receiver(sender, kind, instance, reason, **kwargs):
        held.append((kind, instance.pk, reason))

    settings.ABUSE_REPEAT_THRESHOLD = 3
    resident.date_joined = timezone.now() - timedelta(days=60)
    resident.save(update_fields=["date_joined"])
    content_held.connect(receiver)
    try:
        first = report_now(commune, resident, graffiti, django_capture_on_commit_callbacks)
        second = report_now(commune, resident, graffiti, django_capture_on_commit_callbacks)
        third = report_now(commune, resident, graffiti, django_capture_on_commit_callbacks)
    finally:
        content_held.disconnect(receiver)
    assert (first.hidden_at, second.hidden_at) == (None, None)
    assert third.hidden_at is not None
    assert held == [("reports.report", third.pk, "repeated_text")]
    assert len(events("reports.new")) == 2


def test_a_step_goes_to_the_followers_but_who_made_it(
    commune,
    resident,
    neighbour,
    pothole,
    roads_agent,
    mayor,
    django_capture_on_commit_callbacks,
):
    report = make_report(commune, resident, pothole, title=TITLE, description=DESCRIPTION)
    services.follow(user=neighbour, report=report)
    services.follow(user=mayor, report=report)
    with django_capture_on_commit_callbacks(execute=True):
        update = services.status_set(
            report=report, by=mayor, status="in_progress", note="Travaux lundi."
        )
    (event,) = events("reports.status")
    assert recipients(event) == {resident.pk, neighbour.pk}
    assert event.body == "Travaux lundi."
    assert event.url == f"/problemes/{report.pk}/"
    assert_no_resident_words(event)
    assert event.dedupe_key == f"reports.status:{update.pk}"


def test_reassigning_tells_the_new_service(
    commune,
    resident,
    pothole,
    street_light,
    roads_agent,
    lighting_agent,
    mayor,
    django_capture_on_commit_callbacks,
):
    report = make_report(commune, resident, pothole)
    with django_capture_on_commit_callbacks(execute=True):
        services.category_set(report=report, by=roads_agent, category=street_light)
    (event,) = events("reports.new")
    assert recipients(event) == {lighting_agent.pk, mayor.pk}
    assert event.data["reassigned"] is True


def test_ask_fixed_goes_to_the_reporter(commune, resident, graffiti):
    report = make_report(commune, resident, graffiti, title=TITLE, description=DESCRIPTION)
    notify.ask_fixed(report)
    (event,) = events("reports.fixed_check")
    assert recipients(event) == {resident.pk}
    assert event.url == f"/problemes/{report.pk}/corrige/"
    assert_no_resident_words(event)


def test_not_fixed_tells_the_service_and_the_town_hall_and_the_followers(
    commune,
    resident,
    neighbour,
    pothole,
    roads_agent,
    lighting_agent,
    mayor,
    django_capture_on_commit_callbacks,
):
    report = make_report(commune, resident, pothole, title=TITLE, description=DESCRIPTION)
    services.follow(user=neighbour, report=report)
    services.status_set(report=report, by=roads_agent, status="resolved")
    Report.objects.filter(pk=report.pk).update(fixed_asked_at=timezone.now())
    report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_fixed(user=resident, report=report, fixed=False, note="Toujours là.")
    (reopened,) = events("reports.reopened")
    assert recipients(reopened) == {roads_agent.pk, mayor.pk}
    assert reopened.body == "Toujours là."
    assert_no_resident_words(reopened)
    (status,) = events("reports.status")
    assert recipients(status) == {neighbour.pk}


def test_a_merge_tells_the_duplicates_followers(
    commune, resident, neighbour, graffiti, mayor, django_capture_on_commit_callbacks
):
    into = make_report(commune, resident, graffiti)
    duplicate = make_report(commune, neighbour, graffiti)
    with django_capture_on_commit_callbacks(execute=True):
        services.merge(duplicate=duplicate, into=into, by=mayor)
    (event,) = events("reports.status")
    assert recipients(event) == {neighbour.pk}
    assert event.url == f"/problemes/{into.pk}/"
