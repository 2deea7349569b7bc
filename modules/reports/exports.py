"""The reports staff handle as a CSV file, from the admin (REP-2).

For a French spreadsheet opened as is (like ``modules/polls/exports.py``): UTF-8 with a
byte order mark, ``;`` between columns, decimals with a comma, dates as
``JJ/MM/AAAA HH:MM`` in the commune's time. Cells a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@``…) start with a quote: titles, descriptions and addresses are
the residents' words.

The reporter's name is in the file: it is for the staff who handle these reports, who
already read it on each report's page (the privacy matrix: staff see the reporter). Their
e-mail and an Open311 contact are not: a spreadsheet travels further than the admin, and
the report's page is where to reach someone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import pgettext

from modules.reports import selectors
from modules.reports.models import Report

CONTENT_TYPE = "text/csv; charset=utf-8"


def _cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _date(value) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".replace(".", ",")


def header() -> list[str]:
    return [
        pgettext("reports csv", "Number"),
        pgettext("reports csv", "Reported at"),
        pgettext("reports csv", "Category"),
        pgettext("reports csv", "Service"),
        pgettext("reports csv", "Status"),
        pgettext("reports csv", "Address"),
        pgettext("reports csv", "Latitude"),
        pgettext("reports csv", "Longitude"),
        pgettext("reports csv", "Title"),
        pgettext("reports csv", "Description"),
        pgettext("reports csv", "Followers"),
        pgettext("reports csv", "Acknowledged at"),
        pgettext("reports csv", "Resolved at"),
        pgettext("reports csv", "Reporter"),
    ]


def reporter(report: Report) -> str:
    if report.author is not None:
        return selectors.reporter_name(report)
    if report.integrator is not None:
        return f"Open311 · {report.integrator.name}"
    return ""


def row(report: Report) -> list:
    point = report.location
    service = report.category.service
    return [
        report.pk,
        _date(report.created_at),
        _cell(report.category.name),
        _cell(service.name if service is not None else pgettext("reports csv", "Town hall")),
        str(report.get_status_display()),
        _cell(report.address),
        _decimal(point.y if point is not None else None),
        _decimal(point.x if point is not None else None),
        _cell(report.title),
        _cell(report.description),
        report.followers_count,
        _date(report.acknowledged_at),
        _date(report.resolved_at),
        _cell(reporter(report)),
    ]


def for_export(reports):
    """The queryset's rows with what each row reads (one query)."""
    return reports.select_related("category", "category__service", "author", "integrator").order_by(
        "-created_at", "-id"
    )


def reports_csv(reports: Iterable[Report], *, filename: str = "signalements.csv") -> HttpResponse:
    """``reports`` (already kept to what the person handles) as a CSV download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header())
    for report in reports:
        writer.writerow(row(report))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
