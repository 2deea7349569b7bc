"""Periodic task: tell the platform's staff about cases waiting more than 48 hours."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.staff import PLATFORM_STAFF_GROUP
from core.access import open_account_q
from moderation.models import Case
from notifications.fanout import publish

DEFAULT_WAIT_HOURS = 48


def remind_waiting_cases(*, now=None) -> int:
    """One notice to the platform's staff listing the cases that waited too long since
    they opened (or since their appeal); each case is in one reminder per wait."""
    now = now or timezone.now()
    hours = int(getattr(settings, "MODERATION_REMIND_AFTER_HOURS", DEFAULT_WAIT_HOURS))
    limit = now - timedelta(hours=hours)
    waiting = (
        Case.objects.waiting()
        .filter(reminded_at__isnull=True)
        .filter(Q(appealed_at__isnull=True, opened_at__lte=limit) | Q(appealed_at__lte=limit))
    )
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    if not ids:
        return 0
    staff = (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True) | Q(groups__name=PLATFORM_STAFF_GROUP), open_account_q()
        )
        .distinct()
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = ngettext(
            "%(count)s report has waited more than %(hours)s hours",
            "%(count)s reports have waited more than %(hours)s hours",
            len(ids),
        ) % {"count": len(ids), "hours": hours}
    publish(
        "moderation.waiting",
        audience=staff,
        title=title,
        url=reverse("moderation_admin:queue") + "?status=waiting&age=48h",
        data={"count": len(ids), "hours": hours},
        dedupe_key=f"moderation.waiting:{now:%Y%m%d%H}:{ids[0]}",
    )
    Case.objects.filter(pk__in=ids).update(reminded_at=now)
    return len(ids)
