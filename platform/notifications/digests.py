"""Daily (18:00) and weekly (Wednesday 16:00) digests, in each person's time zone (NOT-2).

A periodic task (every 15 minutes) asks, for every time zone of a commune, when the
last daily and weekly digest was due there (``due_at``: wall-clock time built with
``zoneinfo``, so 18:00 stays 18:00 across daylight-saving changes). For each zone it
writes, with one ``INSERT … SELECT``, one :class:`~notifications.models.Digest` row
per person of that zone who has unread notifications since that person's previous
digest and none yet for this instant; the unique (user, frequency, period end) makes
the task idempotent. Sending then claims the rows like deliveries
(``SKIP LOCKED``), lists the person's unread notifications of the rubrics they chose
for that digest within (previous period end, this period end], and sends one e-mail.
An empty list sends nothing. Each notification is listed once: the periods follow
one another without overlap.

A person's time zone is the one of the first commune whose staff validated them.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from communes.models import Commune, Follow
from core.access import open_account_q
from notifications.emails import digest_message
from notifications.kinds import Frequency, kinds
from notifications.models import DeliveryStatus, Digest, Event, Notification
from notifications.selectors import notifications_of, preferences_of

logger = logging.getLogger(__name__)

DAILY_AT = time(18, 0)
WEEKLY_AT = time(16, 0)
WEDNESDAY = 2
PERIOD: dict[str, timedelta] = {
    Frequency.DAILY: timedelta(days=1),
    Frequency.WEEKLY: timedelta(days=7),
}


def due_at(frequency: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The latest scheduled digest instant at or before ``now`` in ``zone`` (aware, UTC)."""
    local = now.astimezone(zone)
    if frequency == Frequency.DAILY:
        day = local.date()
        candidate = datetime.combine(day, DAILY_AT, tzinfo=zone)
        if candidate > local:
            candidate = datetime.combine(day - timedelta(days=1), DAILY_AT, tzinfo=zone)
    else:
        day = local.date() - timedelta(days=(local.weekday() - WEDNESDAY) % 7)
        candidate = datetime.combine(day, WEEKLY_AT, tzinfo=zone)
        if candidate > local:
            candidate = datetime.combine(day - timedelta(days=7), WEEKLY_AT, tzinfo=zone)
    return candidate.astimezone(ZoneInfo("UTC"))


def users_with_zone():
    """Users annotated with ``zone``: their first validated commune's time zone."""
    first_zone = (
        Follow.objects.filter(user=OuterRef("pk"), status=Follow.Status.VALIDATED)
        .order_by("decided_at", "pk")
        .values("commune__time_zone")[:1]
    )
    return (
        get_user_model()
        .objects.filter(open_account_q())
        .exclude(email="")
        .annotate(zone=Coalesce(Subquery(first_zone), Value(settings.TIME_ZONE)))
    )


def zones() -> list[str]:
    found = set(Commune.objects.values_list("time_zone", flat=True).distinct())
    found.add(settings.TIME_ZONE)
    return sorted(z for z in found if z)


def plan_digests(frequency: str, *, now=None) -> int:
    """Write the due Digest rows of every time zone; returns how many were written."""
    now = now or timezone.now()
    written = 0
    for zone_name in zones():
        end = due_at(frequency, ZoneInfo(zone_name), now)
        start_floor = end - PERIOD[frequency]
        previous_end = (
            Digest.objects.filter(user=OuterRef("pk"), frequency=frequency)
            .order_by("-period_end")
            .values("period_end")[:1]
        )
        candidates = (
            users_with_zone()
            .filter(zone=zone_name)
            .annotate(start=Coalesce(Subquery(previous_end), Value(start_floor)))
            .filter(start__lt=end)
            .filter(_unread_until(end))
            .order_by()
            .values("id", "start")
        )
        written += _insert_digests(candidates, frequency, end)
    return written


def _unread_until(end) -> Q:
    """Unread notifications after the person's ``start`` annotation, up to ``end``."""
    return Q(
        Exists(
            Notification.objects.filter(
                recipient_id=OuterRef("pk"),
                read_at__isnull=True,
                event__created_at__gt=OuterRef("start"),
                event__created_at__lte=end,
            )
        )
    )


def _insert_digests(candidates, frequency: str, end) -> int:
    sql, params = candidates.query.sql_with_params()
    table = Digest._meta.db_table
    insert = (
        f"INSERT INTO {table} (user_id, frequency, period_start, period_end, status, item_count)"  # noqa: S608 - table names from model metadata, values bound
        f" SELECT c.id, %s, c.start, %s, %s, 0 FROM ({sql}) c WHERE c.id IS NOT NULL"
        " ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, (frequency, end, DeliveryStatus.PENDING.value, *params))
        return max(cursor.rowcount, 0)


def _claim(limit: int, now) -> list[int]:
    stale = now - timedelta(seconds=int(str(settings.Q_CLUSTER.get("timeout", 300))))
    with transaction.atomic():
        ids = list(
            Digest.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=DeliveryStatus.PENDING)
                | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)
            )
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Digest.objects.filter(id__in=ids).update(status=DeliveryStatus.SENDING, claimed_at=now)
    return ids


def digest_items(digest: Digest) -> list[tuple[Event, Notification]]:
    user = digest.user
    rubrics = [
        choice.rubric.key
        for choice in preferences_of(user)
        if choice.frequency == digest.frequency and choice.email and not choice.locked
    ]
    if not rubrics:
        return []

    kind_keys = [kind.key for kind in kinds if kind.rubric in rubrics]
    rows = (
        notifications_of(user)
        .filter(
            read_at__isnull=True,
            event__kind__in=kind_keys,
            event__created_at__gt=digest.period_start,
            event__created_at__lte=digest.period_end,
        )
        .select_related("event", "event__commune", "event__commune__site")
        .order_by("event_id")[: settings.NOTIFICATIONS_DIGEST_MAX_ITEMS]
    )
    return [(row.event, row) for row in rows]


def _home_commune(user):
    follow = (
        Follow.objects.filter(user=user, status=Follow.Status.VALIDATED)
        .select_related("commune__site", "commune__logo")
        .order_by("decided_at", "pk")
        .first()
    )
    return follow.commune if follow else None


def send_digests(*, now=None, limit: int = 200) -> int:
    """Send the pending digests (every 15 minutes, after planning them)."""
    now = now or timezone.now()
    sent = 0
    while True:
        ids = _claim(limit, now)
        if not ids:
            return sent
        for digest in Digest.objects.filter(id__in=ids).select_related("user").order_by("id"):
            items = digest_items(digest)
            if not items:
                Digest.objects.filter(pk=digest.pk).update(status=DeliveryStatus.SKIPPED)
                continue
            message = digest_message(
                digest.user, _home_commune(digest.user), digest.frequency, items
            )
            try:
                message.send()
            except Exception as exc:
                # Left "sending": claimed again once the lease ends (a natural back-off).
                logger.warning("digest %s failed: %s", digest.pk, type(exc).__name__)
                continue
            Digest.objects.filter(pk=digest.pk).update(
                status=DeliveryStatus.SENT, sent_at=now, item_count=len(items)
            )
            sent += 1


def run(*, now=None) -> int:
    """The periodic task: plan then send daily and weekly digests."""
    now = now or timezone.now()
    plan_digests(Frequency.DAILY, now=now)
    plan_digests(Frequency.WEEKLY, now=now)
    return send_digests(now=now)
