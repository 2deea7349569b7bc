"""Test helpers for town-hall roles and follows: state changes go through the services."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from communes.models import Follow, StaffRole
from communes.services import follow_decide, follow_request, staff_role_grant


def root():
    """The superuser that ``tests.factories.make_commune`` also uses."""
    user, _ = get_user_model().objects.get_or_create(
        email="root@example.org",
        defaults={
            "first_name": "Root",
            "last_name": "Admin",
            "is_superuser": True,
            "is_staff": True,
        },
    )
    return user


def grant(commune, user, role: str = StaffRole.Role.COUNCIL, *, by=None) -> StaffRole:
    return staff_role_grant(commune=commune, user=user, role=role, by=by or root())


def pending(user, commune) -> Follow:
    follow, _created = follow_request(user=user, commune=commune)
    return follow


def validated(user, commune):
    """``user`` follows ``commune`` and its town hall validated it; returns ``user``."""
    follow = pending(user, commune)
    if follow.status != Follow.Status.VALIDATED:
        follow_decide(follow=follow, by=root(), accept=True)
    return user


def refused(user, commune, reason: str = "") -> Follow:
    return follow_decide(follow=pending(user, commune), by=root(), accept=False, reason=reason)
