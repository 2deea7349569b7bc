"""Periodic tasks that modules declare become django-q2 schedules (rows in the database)."""

from __future__ import annotations

from core.modules import registry


def sync_schedules(**kwargs) -> int:
    """Create or update one Schedule per declared PeriodicTask; returns how many exist.

    Connected to ``post_migrate``: every ``migrate`` leaves the schedules in step
    with the installed modules. A task of a module switched off for a commune
    skips that commune by itself (``registry.enabled_communes``).
    """
    from django_q.models import Schedule

    names = []
    for module in registry:
        for task in module.periodic_tasks:
            Schedule.objects.update_or_create(
                name=task.name,
                defaults={
                    "func": task.func,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": task.minutes,
                    "repeats": -1,
                },
            )
            names.append(task.name)
    return len(names)
