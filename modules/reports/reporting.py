"""What moderation reads of problem reports ("reports.report", declared in apps.py)."""

from __future__ import annotations

from modules.reports.selectors import can_see as _can_see


def can_see(user, report) -> bool:
    """Who sees the report, as if moderation had not hidden it."""
    return _can_see(user, report, include_hidden=True)


def link(report) -> str:
    return f"/problemes/{report.pk}/"
