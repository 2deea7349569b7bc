"""SMS: one interface, backends chosen in settings (NOT-4, ALR-3, CTY-10).

``send_sms`` is the only way the platform sends a text message. SMS cost money
and reach people's pockets, so the channel itself refuses any purpose but the
few the product allows: alerts (ALR-3), invitations a member sends to a
neighbour (CTY-10) and replies to an inbound SMS (ALR-1). A news item, a
digest or a reminder can never go out by SMS, whatever a caller asks.

Backends follow Django's email backends: ``console`` (demo), ``locmem``
(tests, ``notifications.sms.outbox``); the HTTP providers come with the
notification engine. Non-production settings force a non-sending backend.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class SmsPurpose(StrEnum):
    ALERT = "alert"
    INVITATION = "invitation"
    REPLY = "reply"


ALLOWED_PURPOSES = frozenset(SmsPurpose)


class SmsNotAllowed(Exception):
    """A caller tried to send an SMS for a purpose the product forbids."""


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str
    purpose: SmsPurpose


class SmsBackend:
    """Sends a batch of messages; returns how many the provider accepted."""

    def send_messages(self, messages: list[SmsMessage]) -> int:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_messages(self, messages: list[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to} [{message.purpose}]\n{message.body}\n")
                self.stream.write("-" * 40 + "\n")
            self.stream.flush()
        return len(messages)


outbox: list[SmsMessage] = []


class LocmemSmsBackend(SmsBackend):
    """Keeps messages in ``notifications.sms.outbox`` (tests)."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend() -> SmsBackend:
    path = getattr(settings, "SMS_BACKEND", "notifications.sms.ConsoleSmsBackend")
    try:
        return import_string(path)()
    except ImportError as exc:
        raise ImproperlyConfigured(f"SMS_BACKEND {path!r} cannot be imported.") from exc


def send_sms(to: str, body: str, *, purpose: SmsPurpose | str) -> int:
    """Send one SMS for an allowed ``purpose``; raises ``SmsNotAllowed`` otherwise."""
    try:
        purpose = SmsPurpose(purpose)
    except ValueError as exc:
        raise SmsNotAllowed(f"SMS are not sent for {purpose!r}.") from exc
    if purpose not in ALLOWED_PURPOSES:  # pragma: no cover - the enum is the list
        raise SmsNotAllowed(f"SMS are not sent for {purpose!r}.")
    return get_backend().send_messages([SmsMessage(to=to, body=body, purpose=purpose)])
