"""Receivers of the core's extension points (declared in apps.py).

The core calls ``home_panel`` only where the module is on; ``personal_data`` answers for
every commune (GDPR access); ``close`` runs when an account is closed: the reports stay
(the problem is still in the street) without their reporter.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Greatest

from modules.reports.models import Follower, Report
from modules.reports.selectors import can_report

HOME_PANEL_ORDER = 25
HOME_PANEL_SIZE = 5


def home_panel(sender, request=None, **kwargs):
    """The resident's open reports on the commune's home page, and "Report a problem"."""
    user = getattr(request, "user", None)
    if request is None or user is None or not can_report(user, sender):
        return None
    reports = list(
        Report.objects.filter(commune=sender, author=user, status__in=Report.OPEN_STATUSES)
        .select_related("category")
        .order_by("-created_at", "-id")[:HOME_PANEL_SIZE]
    )
    return (HOME_PANEL_ORDER, "reports/home_panel.html", {"reports": reports})


def personal_data(user):
    """GDPR access (ACC-13): the reports ``user`` made (every commune) and those they
    follow."""
    reports = (
        Report.objects.filter(author=user)
        .select_related("commune", "category")
        .annotate(photo_count=Count("photos"))
        .order_by("created_at", "pk")
    )
    follows = list(
        Follower.objects.filter(user=user)
        .select_related("report", "report__commune")
        .order_by("created_at", "pk")
    )
    reports = list(reports)
    if not reports and not follows:
        return None  # nothing of the person here: no section
    return {
        "reports": [
            {
                "id": report.pk,
                "commune": {"slug": report.commune.slug, "name": report.commune.name},
                "category": report.category.name,
                "title": report.title,
                "description": report.description,
                "answers": report.answers,
                "address": report.address,
                "location": (
                    {"latitude": report.location.y, "longitude": report.location.x}
                    if report.location is not None
                    else None
                ),
                "status": report.status,
                "created_at": report.created_at,
                "resolved_at": report.resolved_at,
                "fixed_answer": report.fixed_answer,
                "photos": report.photo_count,
            }
            for report in reports
        ],
        "follows": [
            {
                "report_id": follow.report_id,
                "commune": follow.report.commune.slug,
                "title": follow.report.title,
                "since": follow.created_at,
            }
            for follow in follows
        ],
    }


@transaction.atomic
def close(user_id: int) -> None:
    """The person follows nothing any more; their reports stay, without their name."""
    followed = list(Follower.objects.filter(user_id=user_id).values_list("report_id", flat=True))
    Follower.objects.filter(user_id=user_id).delete()
    if followed:
        Report.objects.filter(pk__in=followed).update(
            followers_count=Greatest(F("followers_count") - 1, 0)
        )
    Report.objects.filter(author_id=user_id).update(author=None, contact={})
