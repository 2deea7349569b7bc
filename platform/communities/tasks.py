"""Periodic tasks of communities (django-q2 schedules, see ``CommunitiesConfig``).

Both are idempotent: running them twice in a day, or on two workers at once,
sends each email once (a conditional UPDATE claims the work before sending).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from communities import notify
from communities.models import Community, Membership


def remind_referents() -> int:
    """CTY-5: one email a day to the deciders of each community with pending requests.

    Requests already sent to the platform's staff are left to them. Returns the
    number of communities reminded.
    """
    today = timezone.localdate()
    pending = Q(memberships__status=Membership.Status.PENDING) & Q(
        memberships__escalated_at__isnull=True
    )
    candidates = (
        Community.objects.select_related("commune", "commune__site")
        .annotate(pending_count=Count("memberships", filter=pending))
        .filter(pending_count__gt=0)
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
    )
    reminded = 0
    for community in candidates:
        # Claim today's reminder: a second run (or worker) finds it taken.
        claimed = (
            Community.objects.filter(pk=community.pk)
            .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
            .update(reminded_on=today)
        )
        if claimed:
            notify.pending_reminder(community, community.pending_count)
            reminded += 1
    return reminded


def escalate_requests() -> int:
    """CTY-5: requests undecided after ``COMMUNITY_ESCALATION_DAYS`` go to platform staff.

    Each request is escalated once (``escalated_at``); the staff get one email
    listing the communities concerned. Returns the number of requests escalated.
    """
    now = timezone.now()
    limit = now - timedelta(days=settings.COMMUNITY_ESCALATION_DAYS)
    due = Membership.objects.filter(
        status=Membership.Status.PENDING, escalated_at__isnull=True, requested_at__lte=limit
    )
    pks = list(due.values_list("pk", flat=True))
    if not pks:
        return 0
    # Only the rows this run claims are reported.
    count = Membership.objects.filter(pk__in=pks, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if count:
        rows = (
            Membership.objects.filter(pk__in=pks, escalated_at=now)
            .values("community")
            .annotate(n=Count("pk"), oldest=Min("requested_at"))
            .order_by("oldest")
        )
        by_pk = Community.objects.in_bulk([r["community"] for r in rows])
        notify.escalated([(by_pk[r["community"]], r["n"]) for r in rows if r["community"] in by_pk])
    return count
