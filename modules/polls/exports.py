"""The results of a poll as a CSV file, for the admin and the staff API (POL-1).

For a French spreadsheet opened as is: UTF-8 with a byte order mark (Excel otherwise reads
Windows-1252), ``;`` between columns (the comma is the decimal separator in French) and
decimals with a comma. One row per answer: question, answer, votes, percent,
participation (who took part), counted ballots. Cells a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``…) start with a quote. Callers give results that are
visible (``selectors.results_of``).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import pgettext

from modules.polls.models import Poll

CONTENT_TYPE = "text/csv; charset=utf-8"


def _cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _percent(value) -> str:
    """Whole percentages as they are; others with one decimal and a comma."""
    if isinstance(value, int):
        return str(value)
    return f"{Decimal(str(value)):.1f}".replace(".", ",")


def csv_filename(poll: Poll) -> str:
    return f"sondage-{poll.pk}-resultats.csv"


def results_csv(poll: Poll, results) -> HttpResponse:
    """The visible results as a CSV download (see the module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            pgettext("polls csv", "Question"),
            pgettext("polls csv", "Answer"),
            pgettext("polls csv", "Votes"),
            pgettext("polls csv", "Percent"),
            pgettext("polls csv", "Participation"),
            pgettext("polls csv", "Counted ballots"),
        ]
    )
    for row in results.rows:
        writer.writerow(
            [
                _cell(poll.question),
                _cell(row.choice.label),
                row.count,
                _percent(row.percent),
                results.participants,
                results.total_counted,
            ]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(poll)}"'
    return response
