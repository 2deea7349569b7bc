"""A password's upper bound (issue 21): a 1 MB password was accepted, stored and hashed.

Generous (1,024 characters, more than any password manager makes), so nobody meets it but
a script; listed first in ``AUTH_PASSWORD_VALIDATORS`` so its French message comes first.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

MAX_LENGTH = 1024


class MaximumLengthValidator:
    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long: at most %(max)d character.",
                    "This password is too long: at most %(max)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can't be longer than %(max)d character.",
            "Your password can't be longer than %(max)d characters.",
            self.max_length,
        ) % {"max": self.max_length}
