"""Reads on accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import phonenumbers
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from accounts.crypto import blind_index

if TYPE_CHECKING:
    from accounts.models import User

# No model import at load time: app configs (privacy.relations, via a module's apps.py)
# ask ``is_open_account`` before the app registry is ready.

# --- open accounts ------------------------------------------------------------------
# An account is open while it is active and not closed (ACC-9 closes it: is_active False
# and closed_at set). Every place that asks "may this person still act or be reached?"
# asks here, so a half-closed account (only one of the two set) is treated the same
# everywhere: as closed.


def is_open_account(user) -> bool:
    """``user`` is a signed-in person whose account is active and not closed."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "closed_at", None) is None
    )


def open_account_q(prefix: str = "") -> Q:
    """The open-account condition, on users or through a relation (``prefix="user__"``)."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}closed_at__isnull": True})


def open_accounts(queryset: QuerySet, *, through: str = "") -> QuerySet:
    """``queryset`` narrowed to open accounts (of users, or through ``through="user__"``)."""
    return queryset.filter(open_account_q(through))


def normalise_phone(number: str, region: str | None = None) -> str | None:
    """E.164 form of ``number`` (read in ``region`` when it has no +33/+225), or None."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def accounts_with_mobile(number: str, *, region: str | None = None) -> QuerySet[User]:
    """Open accounts whose mobile is ``number``: an indexed lookup on its keyed HMAC.

    Several accounts may share one mobile (a second residence, ACC-8); inbound SMS
    decide what to do when there is more than one.
    """
    e164 = normalise_phone(number, region)
    if e164 is None:
        return get_user_model().objects.none()
    return open_accounts(get_user_model().objects.filter(mobile_index=blind_index(e164))).order_by(
        "pk"
    )
