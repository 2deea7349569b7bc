"""Periodic tasks that modules declare become django-q2 schedules (rows in the database)."""

from __future__ import annotations

from core.modules import registry


def sync_schedules(**kwargs) -> int:
    """Create or update one Schedule per declared PeriodicTask; returns how many exist.

    Core apps (communities) declare ``periodic_tasks`` on their AppConfig too.
    Connected to ``post_migrate``: every ``migrate`` leaves the schedules in step
    with the installed modules. A task of a module switched off for a commune
    skips that commune by itself (``registry.enabled_communes``).
    """
    from django.apps import apps
    from django_q.models import Schedule

    names = []
    declaring = list(registry) + [
        app
        for app in apps.get_app_configs()
        if getattr(app, "periodic_tasks", None) and app not in list(registry)
    ]
    for module in declaring:
        for task in module.periodic_tasks:
            # Plain literals only: django-q2's scheduler reads args and kwargs with
            # ast.literal_eval. A periodic task takes none; stale ones are cleared.
            Schedule.objects.update_or_create(
                name=str(task.name),
                defaults={
                    "func": str(task.func),
                    "args": None,
                    "kwargs": None,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": int(task.minutes),
                    "repeats": -1,
                },
            )
            names.append(task.name)
    return len(names)
