"""Notifications of problem reports, through the engine (REP-1 … REP-4).

* ``reports.new``: a problem is reported (or moved to another category), to the members
  of its category's service (the town hall's people when the category has none) and to
  the town hall always; an e-mail goes to the service's shared mailbox too, if it has one;
* ``reports.status``: a step of a report (with the staff's public note), to its
  followers but the person who made it;
* ``reports.fixed_check``: four weeks after "resolved", to the reporter: is it fixed?
* ``reports.reopened``: the reporter says it is not fixed, to the service and the town
  hall.

Titles name the category and the commune, never the report's title nor its description
(a resident's words, which end up in e-mails and push messages). A notification's text
(``body``) is only ever the staff's public note (or the reporter's own "not fixed" note
to the staff who handle the report).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from modules.reports.models import Report, Update
from modules.reports.selectors import followers_of, service_members, town_hall_people
from notifications.emails import sender_for
from notifications.fanout import publish
from notifications.links import absolute_url

logger = logging.getLogger(__name__)


def report_path(report: Report) -> str:
    return f"/problemes/{report.pk}/"


def fixed_path(report: Report) -> str:
    return f"/problemes/{report.pk}/corrige/"


def staff_path(report: Report) -> str:
    """The admin's page where staff handle the report."""
    try:
        return reverse("reports_admin:handle", args=[report.pk])
    except NoReverseMatch:  # the admin's viewset is not registered (yet)
        return f"/admin/reports/{report.pk}/"


def _data(report: Report, **extra) -> dict:
    return {"report_id": report.pk, "category": report.category.name, **extra}


def staff_audience(report: Report):
    """The members of the report's service (else nobody more) and the town hall."""
    users = town_hall_people(report.commune)
    service = report.category.service
    if service is None:
        return users
    return get_user_model().objects.filter(
        Q(pk__in=users.values("pk")) | Q(pk__in=service_members(service).values("pk"))
    )


def _mail_service(report: Report, title: str) -> None:
    service = report.category.service
    if service is None or not service.email:
        return
    commune = report.commune
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "A problem was reported in %(commune)s (%(category)s).\n\n"
            "Handle it on the platform: %(url)s\n"
        ) % {
            "commune": commune.name,
            "category": report.category.name,
            "url": absolute_url(commune, staff_path(report)),
        }
    try:
        EmailMessage(
            title,
            body,
            sender_for(commune),
            [service.email],
            headers={"Auto-Submitted": "auto-generated"},
        ).send()
    except Exception as exc:  # a mail provider's outage never fails the report
        logger.warning("report %s: service mailbox not told (%s)", report.pk, type(exc).__name__)


def new_report(report: Report, *, reassigned: bool = False) -> None:
    commune = report.commune
    with translation.override(settings.LANGUAGE_CODE):
        if reassigned:
            title = _("A problem in %(commune)s is now yours to handle (%(category)s)")
        else:
            title = _("A problem is reported in %(commune)s (%(category)s)")
        title = title % {"commune": commune.name, "category": report.category.name}
    key = f"reports.new:{report.pk}"
    if reassigned:
        key = f"reports.new:{report.pk}:{report.category_id}:{report.updated_at.timestamp()}"
    publish(
        "reports.new",
        audience=staff_audience(report).exclude(pk=report.author_id or 0),
        title=title,
        url=staff_path(report),
        commune=commune,
        data=_data(report, reassigned=reassigned),
        dedupe_key=key,
    )
    _mail_service(report, title)


def status_changed(update: Update) -> None:
    report = update.report
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A problem you follow is now “%(status)s” (%(category)s, %(commune)s)") % {
            "status": Report.Status(update.status).label,
            "category": report.category.name,
            "commune": report.commune.name,
        }
    publish(
        "reports.status",
        audience=followers_of(report).exclude(pk=update.by_id or 0),
        title=title,
        body=update.note,  # the staff's public note
        url=report_path(report),
        commune=report.commune,
        actor=update.by,
        data=_data(report, status=update.status, kind=update.kind),
        dedupe_key=f"reports.status:{update.pk}",
    )


def ask_fixed(report: Report) -> None:
    if report.author_id is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Is the problem you reported really fixed? (%(category)s, %(commune)s)") % {
            "category": report.category.name,
            "commune": report.commune.name,
        }
    publish(
        "reports.fixed_check",
        audience=get_user_model().objects.filter(pk=report.author_id),
        title=title,
        url=fixed_path(report),
        commune=report.commune,
        data=_data(report),
        dedupe_key=f"reports.fixed_check:{report.pk}",
    )


def reopened(report: Report, update: Update) -> None:
    """The reporter says it is not fixed: the staff who handle it are told (with the
    reporter's note); the followers get the step as ``reports.status``."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A resolved problem is not fixed, says its reporter (%(category)s)") % {
            "category": report.category.name,
        }
    publish(
        "reports.reopened",
        audience=staff_audience(report),
        title=title,
        body=update.note,
        url=staff_path(report),
        commune=report.commune,
        data=_data(report),
        dedupe_key=f"reports.reopened:{update.pk}",
    )
    status_changed(update)


def merged(update: Update, follower_ids: list[int]) -> None:
    """A report is merged into another: those who followed it (now following the other)
    are told, with a link to the report that stays."""
    duplicate = update.report
    into = duplicate.merged_into
    if into is None or not follower_ids:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _(
            "A problem you follow is the same as another report (%(category)s, %(commune)s)"
        ) % {
            "category": duplicate.category.name,
            "commune": duplicate.commune.name,
        }
    publish(
        "reports.status",
        audience=followers_of(into).filter(pk__in=follower_ids).exclude(pk=update.by_id or 0),
        title=title,
        body=update.note,
        url=report_path(into),
        commune=duplicate.commune,
        actor=update.by,
        data=_data(duplicate, status=update.status, kind=update.kind, into=into.pk),
        dedupe_key=f"reports.status:{update.pk}",
    )
