"""ACC-13: personal data encrypted at rest, and a keyed blind index for lookups.

django-fernet-encrypted-fields derives its keys from ``SECRET_KEY`` and
``SALT_KEY``. We keep the library's fields but give them their own keys,
``FIELD_ENCRYPTION_KEYS`` (Fernet keys, newest first): rotating the secret that
signs sessions and links must not oblige anyone to re-encrypt the database, and
a Fernet key needs no 100,000-round derivation at every process start.

Rotation: put a new key first in ``FIELD_ENCRYPTION_KEYS``, deploy, run
``manage.py rotate_encryption_keys`` (re-encrypts every value with the first
key), then drop the old key. ``BLIND_INDEX_KEY`` keys the HMAC of mobile
numbers; changing it needs ``rotate_encryption_keys --reindex``.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from encrypted_fields import fields as encrypted


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must list at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid key: {exc}") from exc


def field_fernet() -> MultiFernet:
    """The current keys (read from settings at each call: rotation needs no restart)."""
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


class _PlatformKeys:
    """Overrides the library's key derivation with FIELD_ENCRYPTION_KEYS."""

    @property
    def f(self) -> MultiFernet:
        return field_fernet()

    @property
    def keys(self) -> list[bytes]:  # kept for API compatibility with the library
        return [key.encode() for key in settings.FIELD_ENCRYPTION_KEYS]


class EncryptedCharField(_PlatformKeys, encrypted.EncryptedCharField):
    pass


class EncryptedTextField(_PlatformKeys, encrypted.EncryptedTextField):
    pass


class EncryptedDateField(_PlatformKeys, encrypted.EncryptedDateField):
    pass


def blind_index(value: str | None) -> str:
    """A keyed HMAC-SHA256 of ``value``: equal inputs give equal outputs, nothing more."""
    if not value:
        return ""
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
