"""What moderation reads of alerts (ReportableKind "alerts.alert")."""

from __future__ import annotations

from django.urls import reverse

from modules.alerts import selectors


def can_see(user, alert) -> bool:
    return selectors.can_see(user, alert)


def link(alert) -> str:
    return reverse("alerts:detail", args=[alert.pk])
