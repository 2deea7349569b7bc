"""Reads on accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import phonenumbers
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.crypto import blind_index
from core.access import is_open_account, open_account_q, open_accounts

if TYPE_CHECKING:
    from accounts.models import User

# The open-account check lives in core.access (communes and privacy, below accounts, ask
# it too); re-exported here for the modules, which ask accounts' selectors.
__all__ = [
    "accounts_with_mobile",
    "is_open_account",
    "normalise_phone",
    "open_account_q",
    "open_accounts",
]


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
