"""django-q2 entry points of the notification engine (schedules in NotificationsConfig)."""

from __future__ import annotations

from notifications.delivery import sweep
from notifications.digests import run


def sweep_deliveries() -> int:
    return sweep()


def digests() -> int:
    return run()
