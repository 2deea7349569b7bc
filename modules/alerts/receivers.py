"""Receivers of the core's extension points.

Declared in apps.py: ``site_banner`` is called by the core only when the module is on
for the commune; ``personal_data`` answers for every commune (GDPR access, ACC-13);
``on_community_merged`` runs in a community merge.
"""

from __future__ import annotations

from django.urls import reverse

from core.signals import SiteBanner
from modules.alerts.selectors import alerts_sent_by, unread_alerts_for_banner
from notifications.links import absolute_url

# Above anything else a module may put in the banner area.
BANNER_ORDER = -100


def site_banner(sender, request=None, **kwargs):
    """A red banner above every page of the commune's site and on top of the app's
    feed until read: the town hall's unread alerts (ALR-5), then the unread alerts of
    the person's community (ALR-2). One query."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    alerts = unread_alerts_for_banner(user, sender)
    if not alerts:
        return None
    town_hall = sum(1 for alert in alerts if alert.is_town_hall)
    return SiteBanner(
        order=BANNER_ORDER,
        template="alerts/banner.html",
        context={
            "alerts": alerts,
            "town_hall_count": town_hall,
            "community_count": len(alerts) - town_hall,
        },
        entries=tuple(_entry(sender, alert) for alert in alerts),
    )


def _entry(commune, alert) -> dict:
    return {
        "kind": "alert.town_hall" if alert.is_town_hall else "alert.community",
        "id": alert.pk,
        "title": str(alert.get_category_display()),
        "text": alert.text,
        "url": absolute_url(commune, reverse("alerts:detail", args=[alert.pk])),
        "created_at": alert.created_at,
    }


def personal_data(user):
    """Every alert ``user`` sent, in every commune (they stay on the platform: ALR-4)."""
    return [
        {
            "id": alert.pk,
            "commune": {"slug": alert.commune.slug, "name": alert.commune.name},
            "community": alert.community.name if alert.community_id else None,
            "category": alert.category,
            "text": alert.text,
            "corrects": alert.corrects_id,
            "sent_from": alert.source,
            "sent_at": alert.created_at,
        }
        for alert in alerts_sent_by(user).order_by("created_at", "pk")
    ]


def on_community_merged(*, absorbed, kept):
    """A merge keeps every alert (ALR-4: never deleted): the absorbed community's move to
    the community that stays, before the absorbed one is deleted (its rows would cascade).

    A queryset update: ``Alert.save()`` refuses changes, but the alert itself is unchanged
    (text, author, time); only the community it now belongs to is.
    """
    from modules.alerts.models import Alert

    Alert.objects.filter(community=absorbed).update(community=kept)
