"""Periodic tasks of reports (declared in apps.py, run by django-q2's qcluster).

* ``ask_if_fixed`` (hourly): four weeks after a report was resolved, its reporter is asked
  whether the problem really is fixed (REP-4), once;
* ``locate_pending`` (every 15 minutes): the addresses kept while the geocoder was down
  are located, oldest first; a provider still down ends the run (the next one retries).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.geocoding import GeocodingUnavailable
from core.modules import registry
from modules.reports import notify
from modules.reports.models import Report
from modules.reports.services import locate

logger = logging.getLogger(__name__)

FIXED_AFTER = timedelta(days=28)
BATCH = 200
LOCATE_PER_RUN = 100


def ask_if_fixed(*, now=None) -> int:
    """Ask the reporters of the reports resolved at least 28 days ago (and not asked yet)
    whether it is fixed; returns how many were asked. In a commune that switched the
    module off, nobody is asked (its reports wait)."""
    now = now or timezone.now()
    enabled = registry.enabled_communes("reports").values("pk")
    asked = 0
    while True:
        with transaction.atomic():
            batch = list(
                Report.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=Report.Status.RESOLVED,
                    fixed_asked_at__isnull=True,
                    resolved_at__lte=now - FIXED_AFTER,
                    author__isnull=False,
                    commune__in=enabled,
                )
                .select_related("category", "commune")
                .order_by("resolved_at", "id")[:BATCH]
            )
            if not batch:
                return asked
            Report.objects.filter(pk__in=[report.pk for report in batch]).update(fixed_asked_at=now)
            for report in batch:
                notify.ask_fixed(report)
            asked += len(batch)
        if len(batch) < BATCH:
            return asked


def locate_pending() -> int:
    """Locate up to 100 reports waiting for their address' point; returns how many were
    located."""
    located = 0
    pending = (
        Report.objects.filter(locate_pending=True)
        .select_related("commune")
        .order_by("created_at", "id")[:LOCATE_PER_RUN]
    )
    for report in pending:
        try:
            if locate(report):
                located += 1
        except GeocodingUnavailable:
            logger.info("reports: geocoder still unavailable, %s located this run", located)
            break
    return located
