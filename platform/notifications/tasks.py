"""django-q2 entry points of the notification engine (schedules in NotificationsConfig)."""

from __future__ import annotations


def sweep_deliveries() -> int:
    from notifications.delivery import sweep

    return sweep()


def digests() -> int:
    from notifications.digests import run

    return run()
