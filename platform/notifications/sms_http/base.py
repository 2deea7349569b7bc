"""What every HTTP SMS provider shares: retries with back-off, scrubbing numbers out of
errors and logs, delivery-report parsing helpers (see the package's docstring)."""

import email.utils
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notifications.sms import SmsBackend, SmsMessage, SmsResult, mask_number

logger = logging.getLogger("voisinage.sms")

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ATTEMPTS = 3
MAX_ERROR_LENGTH = 300

# Digits with the usual separators between them; a phone number when it starts with
# "+" (7 digits or more) or has 9 digits or more (a national number, "06 12 34 56 78").
# Shorter runs stay readable: "HTTP 400 21211" is a status and an error code.
_DIGIT_RUN = re.compile(r"\+?\d(?:[ .()/-]{0,2}\d){6,}")


def _mask_phone_like(match: re.Match) -> str:
    text = match.group()
    if text.startswith("+") or sum(c.isdigit() for c in text) >= 9:
        return mask_number(text)
    return text


def scrub(text: Any) -> str:
    """``text`` on one line, shortened, with everything that looks like a phone number masked."""
    flat = " ".join(str(text).split())
    return _DIGIT_RUN.sub(_mask_phone_like, flat)[:MAX_ERROR_LENGTH]


# --- Delivery reports -----------------------------------------------------------------


class InvalidCallback(Exception):
    """A request to a status callback URL is not a delivery report we can read."""


class InvalidSignature(InvalidCallback):
    """A status callback cannot be shown to come from the provider (answer 403)."""


@dataclass(frozen=True)
class SmsStatus:
    """One delivery report.

    ``to``: the E.164 number ("" when the provider does not say: OVH's reports carry
    only its SMS id, ``provider_id``, as returned in ``SmsResult.provider_id``).
    ``failed``: the message was not delivered and will not be. ``reason``: the
    provider's status words and codes, for logs. ``permanent``: the provider says
    the number itself cannot receive SMS (invalid, unknown, a landline); a hint only,
    a caller may prefer to count repeated failures before giving up on a number.
    """

    to: str
    provider_id: str
    failed: bool
    reason: str
    permanent: bool = False


def verify_callback_token(request) -> None:
    """Raise ``InvalidSignature`` unless ``request.GET["token"]`` is ``SMS_CALLBACK_TOKEN``.

    For providers whose callbacks are not signed (Orange, OVH): the secret is part of
    the callback URL declared with the provider. No token configured: nothing passes.
    """
    expected = str(getattr(settings, "SMS_CALLBACK_TOKEN", "") or "")
    given = request.GET.get("token", "")
    if not expected:
        raise InvalidSignature("SMS_CALLBACK_TOKEN is not configured")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InvalidSignature("wrong callback token")


def json_body(request) -> dict:
    try:
        payload = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCallback("the body is not JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidCallback("the body is not a JSON object")
    return payload


def _plus(number: str) -> str:
    """``"tel:+225 01 02"``/``"0033612…"`` → ``"+22501 02"``/``"+33612…"`` (no other change)."""
    text = str(number).strip()
    if text.startswith("tel:"):
        text = text[4:]
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


# --- The common HTTP machinery --------------------------------------------------------


class ProviderError(Exception):
    """No message of the batch can go now (provider unavailable, credentials refused)."""


class HttpSmsBackend(SmsBackend):
    """What the HTTP providers share: settings, timeouts, retries, logging.

    ``config`` replaces the provider's settings dict, ``session`` the
    ``requests.Session``; ``timeout`` and ``max_attempts`` default to ``SMS_TIMEOUT`` and
    ``SMS_MAX_ATTEMPTS``; ``sleep`` (also a class attribute) is how the backend waits
    between attempts.
    """

    provider = "http"  # a name for logs
    settings_name = ""
    default_base_url = ""
    required_keys: tuple[str, ...] = ()
    backoff_base = 0.5
    backoff_max = 8.0
    retry_after_max = 30.0
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        session: requests.Session | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if config is None:
            config = getattr(settings, self.settings_name, None) or {}
        self.config = dict(config)
        missing = [key for key in self.required_keys if not self.config.get(key)]
        if missing:
            raise ImproperlyConfigured(f"{self.settings_name} needs {', '.join(missing)}.")
        self.base_url = str(self.config.get("BASE_URL") or self.default_base_url).rstrip("/")
        if timeout is None:
            timeout = getattr(settings, "SMS_TIMEOUT", DEFAULT_TIMEOUT)
        self.timeout = float(timeout)
        if max_attempts is None:
            max_attempts = getattr(settings, "SMS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
        self.max_attempts = max(1, int(max_attempts))
        self.session = session or requests.Session()
        if sleep is not None:
            self.sleep = sleep

    # --- requests with retries

    def _request(self, build: Callable[[], dict[str, Any]], what: str) -> requests.Response:
        """The provider's answer to the request ``build()`` describes, retried as needed.

        ``build`` is called again for every attempt (OVH signs each one with the time).
        Returns any answer that is not worth retrying, success or not; raises
        ``ProviderError`` when the last attempt still meets a network error, a 429 or
        a 5xx. ``what`` names the request in logs and must hold no phone number.
        """
        for attempt in range(1, self.max_attempts + 1):
            retry_after = None
            try:
                response = self.session.request(
                    timeout=self.timeout, allow_redirects=False, **build()
                )
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                reason = f"network error ({type(exc).__name__})"
            except requests.RequestException as exc:  # a bad URL, too many redirects…: no retry
                raise ProviderError(
                    f"{self.provider} request failed: {type(exc).__name__}"
                ) from exc
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                reason = f"HTTP {response.status_code}"
                retry_after = _retry_after(response)
                response.close()
            if attempt == self.max_attempts:
                logger.warning(
                    "%s: %s failed: %s; giving up after %d attempts",
                    self.provider,
                    what,
                    reason,
                    attempt,
                )
                raise ProviderError(
                    f"{self.provider} unavailable: {reason} after {attempt} attempts"
                )
            delay = min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.retry_after_max))
            logger.info(
                "%s: %s failed: %s; attempt %d of %d, next in %.1f s",
                self.provider,
                what,
                reason,
                attempt,
                self.max_attempts,
                delay,
            )
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    # --- one request per message (Orange, Twilio)

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:
        results: list[SmsResult] = []
        abort = ""
        for message in messages:
            if abort:
                results.append(SmsResult(message, ok=False, error=abort))
                continue
            try:
                result = self._send_one(message)
            except ProviderError as exc:
                abort = scrub(exc)
                result = SmsResult(message, ok=False, error=abort)
            results.append(result)
        self._log_results(results)
        return results

    def _send_one(self, message: SmsMessage) -> SmsResult:  # pragma: no cover - interface
        raise NotImplementedError

    def _log_results(self, results: Sequence[SmsResult]) -> None:
        failed = [r for r in results if not r.ok]
        for result in failed:
            logger.warning(
                "%s: SMS to %s not sent%s: %s",
                self.provider,
                mask_number(result.message.to),
                " (invalid number)" if result.permanent else "",
                result.error,
            )
        if results:
            logger.info(
                "%s: %d SMS accepted, %d refused",
                self.provider,
                len(results) - len(failed),
                len(failed),
            )


def _retry_after(response: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (a number or an HTTP date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _what(message: SmsMessage) -> str:
    return f"SMS to {mask_number(message.to)}"
