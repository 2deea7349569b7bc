"""SMS: one interface, backends chosen in settings (NOT-4, ALR-3, CTY-10).

``send_sms`` sends one text message, ``get_backend().send_batch`` many. SMS
cost money and reach people's pockets, so the channel itself refuses any
purpose but the few the product allows: alerts (ALR-3), invitations a member
sends to a neighbour (CTY-10) and replies to an inbound SMS (ALR-1); an
``SmsMessage`` cannot even be built for another. A news item, a digest or a
reminder can never go out by SMS, whatever a caller asks.

Backends follow Django's email backends: ``console`` (demo), ``locmem``
(tests, ``notifications.sms.outbox``), ``file`` (tests with a real worker process:
one JSON line per message in ``SMS_FILE_PATH``) and the HTTP providers of
``notifications.sms_http`` (Orange, OVHcloud, Twilio, and a router choosing one
by the number's country code). Only settings with ``REAL_SENDING`` (production)
may name a backend that reaches a provider: elsewhere ``get_backend`` accepts
console, locmem and file alone.

A backend's primary method is ``send_batch``: one ``SmsResult`` per message, in
the order given, saying whether the provider accepted it and, when it did not,
whether trying again later could help (``permanent`` is ``False``) or the number
itself is the problem (``permanent`` is ``True``: invalid or undeliverable, do
not retry). ``send_messages`` (a count) remains for callers that only need a
number. Callers sending many messages pass at most ``backend.max_batch_size``
per call.

Phone numbers are personal data: nothing here logs one in full, only
``mask_number`` of it (the last two digits).
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterable, Sequence
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
    """One text for one number; it cannot be built for a purpose SMS are not sent for.

    So the guard holds for ``send_sms`` and for callers handing batches to
    ``get_backend().send_batch`` alike.
    """

    to: str  # E.164
    body: str
    purpose: SmsPurpose

    def __post_init__(self) -> None:
        try:
            purpose = SmsPurpose(self.purpose)
        except ValueError as exc:
            raise SmsNotAllowed(f"SMS are not sent for {self.purpose!r}.") from exc
        if purpose not in ALLOWED_PURPOSES:  # pragma: no cover - the enum is the list
            raise SmsNotAllowed(f"SMS are not sent for {self.purpose!r}.")
        object.__setattr__(self, "purpose", purpose)


@dataclass(frozen=True)
class SmsResult:
    """What became of one message handed to a backend.

    ``ok``: the provider accepted it (delivery is reported later, if at all, by a
    status callback). ``provider_id``: the provider's id for it, to match those
    callbacks. ``error``: why it was not accepted, for logs (no full phone number).
    ``permanent``: the number is invalid or undeliverable; sending again is useless.
    """

    message: SmsMessage
    ok: bool
    provider_id: str = ""
    error: str = ""
    permanent: bool = False


class SmsBackend:
    """Sends messages through one provider.

    Subclasses implement ``send_batch``. ``max_batch_size`` is how many messages a
    caller should pass per call (a provider's limit, or what keeps one call short).
    """

    max_batch_size: int = 100

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:  # pragma: no cover
        """One result per message, in the same order."""
        raise NotImplementedError

    def send_messages(self, messages: Iterable[SmsMessage]) -> int:
        """How many of ``messages`` the provider accepted."""
        return sum(1 for result in self.send_batch(list(messages)) if result.ok)


class ConsoleSmsBackend(SmsBackend):
    """Writes messages to a stream (standard output by default): the demo's backend."""

    max_batch_size = 1000

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to} [{message.purpose}]\n{message.body}\n")
                self.stream.write("-" * 40 + "\n")
            self.stream.flush()
        return [SmsResult(message, ok=True) for message in messages]


outbox: list[SmsMessage] = []


class LocmemSmsBackend(SmsBackend):
    """Keeps messages in ``notifications.sms.outbox`` (tests)."""

    max_batch_size = 1000

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:
        outbox.extend(messages)
        return [SmsResult(message, ok=True) for message in messages]


class FileSmsBackend(SmsBackend):
    """Appends one JSON line per message to ``SMS_FILE_PATH`` (tests with a real worker).

    The worker is another process than the test, so ``outbox`` cannot be read: the test
    reads the file instead. Each line is ``{"to": …, "body": …, "purpose": …}``,
    written under an exclusive lock so that several workers never interleave lines.
    Sends nothing: allowed wherever console and locmem are.
    """

    max_batch_size = 1000

    def __init__(self, path=None):
        self.path = path or getattr(settings, "SMS_FILE_PATH", "")
        if not self.path:
            raise ImproperlyConfigured("FileSmsBackend needs SMS_FILE_PATH.")

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:
        import fcntl
        import json

        lines = "".join(
            json.dumps({"to": m.to, "body": m.body, "purpose": str(m.purpose)}) + "\n"
            for m in messages
        )
        with open(self.path, "a", encoding="utf-8") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)
            try:
                stream.write(lines)
                stream.flush()
            finally:
                fcntl.flock(stream, fcntl.LOCK_UN)
        return [SmsResult(message, ok=True) for message in messages]


_DIGIT = re.compile(r"\d")


def mask_number(number: str) -> str:
    """``"+33612345678"`` → ``"+*********78"``: every digit but the last two hidden.

    Used wherever a number could reach a log line or an error string.
    """
    text = str(number)
    digits = sum(1 for c in text if c.isdigit())
    if digits <= 2:
        return _DIGIT.sub("*", text)
    hidden = digits - 2
    out = []
    for c in text:
        if c.isdigit() and hidden:
            out.append("*")
            hidden -= 1
        else:
            out.append(c)
    return "".join(out)


# The only backends settings other than production's may use: they send nothing.
NON_SENDING_BACKENDS = frozenset(
    {
        "notifications.sms.ConsoleSmsBackend",
        "notifications.sms.LocmemSmsBackend",
        "notifications.sms.FileSmsBackend",
    }
)


def get_backend() -> SmsBackend:
    """The ``SMS_BACKEND``; a real provider only where ``REAL_SENDING`` (production)."""
    path = getattr(settings, "SMS_BACKEND", "notifications.sms.ConsoleSmsBackend")
    if path not in NON_SENDING_BACKENDS and not getattr(settings, "REAL_SENDING", False):
        raise ImproperlyConfigured(
            f"SMS_BACKEND {path!r} may send real SMS: only settings with REAL_SENDING "
            "(production) may use it."
        )
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
