"""Receivers of the core's extension points.

``home_banner`` is called by the core only when the module is on for the commune;
``personal_data`` answers for every commune (GDPR access, ACC-13).
"""

from __future__ import annotations

from modules.alerts.selectors import alerts_sent_by, unread_alerts_for_banner

# Panels with a negative order are banners: the home page shows them above the news.
BANNER_ORDER = -100


def home_banner(sender, request=None, **kwargs):
    """A red banner above the feed until read: the town hall's unread alerts (ALR-5),
    then the unread alerts of the person's community (ALR-2)."""
    if request is None:
        return None
    alerts = unread_alerts_for_banner(request.user, sender)
    if not alerts:
        return None
    town_hall = sum(1 for alert in alerts if alert.is_town_hall)
    return (
        BANNER_ORDER,
        "alerts/banner.html",
        {
            "alerts": alerts,
            "town_hall_count": town_hall,
            "community_count": len(alerts) - town_hall,
        },
    )


def personal_data(sender, user, **kwargs):
    """Every alert ``user`` sent, in every commune (they stay on the platform: ALR-4)."""
    return (
        "alerts",
        [
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
        ],
    )


def on_community_merged(sender, absorbed, kept, **kwargs):
    """A merge keeps every alert (ALR-4: never deleted): the absorbed community's move to
    the community that stays, before the absorbed one is deleted (its rows would cascade).

    A queryset update: ``Alert.save()`` refuses changes, but the alert itself is unchanged
    (text, author, time); only the community it now belongs to is.
    """
    from modules.alerts.models import Alert

    Alert.objects.filter(community=absorbed).update(community=kept)
