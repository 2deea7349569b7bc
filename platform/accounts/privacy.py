"""The "platform staff" relation of the privacy matrix (PRIV), registered by accounts.

Accounts own who is on the platform's staff (``accounts.staff``), so they register the
relation, as communities register "same community" (``AccountsConfig.ready``).
"""

from __future__ import annotations

from django.db.models import BooleanField, Value

from accounts.staff import is_platform_staff
from privacy.relations import Relation, register_relation


def platform_staff(viewer):
    """Support and moderation see everyone as platform staff (None for anyone else)."""
    if not is_platform_staff(viewer):
        return None
    return Value(True, output_field=BooleanField())


def register() -> None:
    register_relation(Relation.PLATFORM_STAFF, platform_staff)
