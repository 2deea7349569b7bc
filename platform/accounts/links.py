"""Signed, expiring links sent by email: address verification and change of address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.security import keyed_hash
from core.access import open_account_q

if TYPE_CHECKING:
    from accounts.models import User

EMAIL_CHANGE_SALT = "accounts.email_change"


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Valid until the address is verified or changed (and PASSWORD_RESET_TIMEOUT at most)."""

    key_salt = "accounts.links.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        verified = "" if user.email_verified_at is None else user.email_verified_at.isoformat()
        return f"{user.pk}{user.email}{verified}{user.is_active}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def uid_for(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_from_uid(uidb64: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return get_user_model().objects.filter(pk=pk).first()


def email_change_token(user, new_email: str) -> str:
    # The old address's hash ties the link to the state it was made in: once
    # the address has changed (or changed back), older links stop working.
    return signing.dumps(
        {"u": user.pk, "e": new_email, "o": keyed_hash(user.email)}, salt=EMAIL_CHANGE_SALT
    )


def read_email_change_token(token: str) -> tuple[User, str] | None:
    """The (user, new address) of a valid link, or None (tampered, expired or used)."""
    try:
        data = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=settings.EMAIL_CHANGE_LINK_MAX_AGE
        )
    except signing.BadSignature:
        return None
    user: User | None = get_user_model().objects.filter(open_account_q(), pk=data.get("u")).first()
    if user is None or keyed_hash(user.email) != data.get("o"):
        return None
    return user, data["e"]
