"""Who counts as staff: platform staff, hosting partners' staff, commune staff.

Platform staff (support and moderation) are the members of one group; commune
staff hold a ``communes.StaffRole`` or belong to the commune's editors group;
hosting partners' staff are listed on their partner.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from communes.selectors import is_partner_staff, serves_any_commune
from core.access import is_open_account

PLATFORM_STAFF_GROUP = "Platform staff"


def platform_staff_group() -> Group:
    group, _ = Group.objects.get_or_create(name=PLATFORM_STAFF_GROUP)
    return group


def is_platform_staff(user) -> bool:
    """Support and moderation of the whole platform (and superusers)."""
    if not is_open_account(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_platform_staff", None)
    if cached is None:
        cached = user.groups.filter(name=PLATFORM_STAFF_GROUP).exists()
        user._is_platform_staff = cached
    return cached


def is_any_staff(user) -> bool:
    """Platform, hosting-partner or commune staff: the accounts that need two factors."""
    if not is_open_account(user):
        return False
    if user.is_superuser or user.is_staff or is_platform_staff(user):
        return True
    # A hosting partner's staff (with or without communes yet), or anyone serving a
    # commune: police-only accounts are not the town hall (communes_of_staff) but are staff.
    return is_partner_staff(user) or serves_any_commune(user)
