"""Reads on accounts."""

from __future__ import annotations

import phonenumbers
from django.db.models import QuerySet

from accounts.crypto import blind_index
from accounts.models import User


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
        return User.objects.none()
    return User.objects.filter(
        mobile_index=blind_index(e164), is_active=True, closed_at__isnull=True
    ).order_by("pk")
