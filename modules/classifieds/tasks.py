"""Periodic tasks (django-q2); the schedule is declared in apps.py."""

from modules.classifieds.services import classifieds_expire


def expire_classifieds() -> int:
    """Mark classifieds past their end as expired; returns how many."""
    return classifieds_expire()
