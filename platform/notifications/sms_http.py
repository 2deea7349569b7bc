"""SMS through HTTP providers: Orange (Côte d'Ivoire), OVHcloud (France), Twilio (elsewhere).

Each backend speaks its provider's REST API with ``requests`` and turns every outcome
into one ``SmsResult`` per message (``notifications.sms``), never an exception, so a
caller always learns which messages left and which did not:

* a network error (refused or dropped connection, timeout), an HTTP 429 or a 5xx is
  tried again, up to ``SMS_MAX_ATTEMPTS`` attempts in all, waiting
  ``backoff_base * 2**(attempt - 1)`` seconds between them (at most ``backoff_max``;
  longer when the provider sends a ``Retry-After``, up to ``retry_after_max``). The
  wait goes through the backend's ``sleep`` attribute, which tests replace. When the
  last attempt fails the message gets ``ok=False, permanent=False`` and, since the
  provider is evidently unavailable, the rest of the batch is not attempted (same
  result) instead of making every message wait through its own retries;
* an answer meaning the number is invalid or cannot receive SMS gives
  ``permanent=True``: callers stop sending to it;
* refused credentials end the batch the same way (no message can go);
* any other refusal is ``ok=False, permanent=False`` for that message alone.

A timeout while the provider reads a request is retried too: the provider may have
accepted the message before the connection failed, so in rare cases a person receives
an SMS twice. None of these APIs offers an idempotency key for sending; for alerts a
duplicate is preferred to a loss.

Phone numbers never reach a log line in full: numbers are shown through
``mask_number`` and providers' error texts (Twilio's quote the number) are scrubbed of
anything that looks like one before they are logged or put in ``SmsResult.error``.

``RoutingSmsBackend`` picks one of these backends per destination by the longest
matching E.164 prefix in ``SMS_ROUTES``. Settings (see ``notifications.sms_settings``):
``SMS_ORANGE``, ``SMS_OVH``, ``SMS_TWILIO``, ``SMS_ROUTES``, ``SMS_TIMEOUT`` (seconds,
default 10), ``SMS_MAX_ATTEMPTS`` (default 3), ``SMS_CALLBACK_TOKEN``.

Delivery reports (status callbacks) are parsed by each backend's
``parse_status_callback(request)`` into ``SmsStatus`` items; it raises
``InvalidSignature`` when the request cannot be shown to come from the provider and
``InvalidCallback`` when it is not a delivery report at all:

* Twilio signs its callbacks (``X-Twilio-Signature``), checked with the auth token;
* Orange and OVH sign nothing, so their callback URL must carry a secret:
  ``?token=<SMS_CALLBACK_TOKEN>`` (declare e.g.
  ``https://example.org/sms/orange/status/?token=...`` with the provider). The token is
  compared in constant time; with no ``SMS_CALLBACK_TOKEN`` configured every such
  callback is refused. Keep the token out of access logs where possible and rotate it
  by declaring the new URL with the provider, then changing the setting.

Views and URLs are not defined here.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

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


def _json_body(request) -> dict:
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


# --- Orange ---------------------------------------------------------------------------


class OrangeSmsBackend(HttpSmsBackend):
    """Orange Developer "SMS Côte d'Ivoire" (the GSMA OneAPI shape Orange uses in Africa).

    Settings ``SMS_ORANGE``: ``CLIENT_ID``, ``CLIENT_SECRET`` (the application's
    credentials), ``SENDER`` (the account's sender number in digits, country code
    first, e.g. ``"2250000"``: Orange wants it without "+" in settings and as
    ``tel:+2250000`` in the path and body), ``SENDER_NAME`` (optional, a name Orange
    has approved for the account), ``BASE_URL`` (default ``https://api.orange.com``).

    Quirks:

    * OAuth 2 client credentials at ``/oauth/v3/token`` (HTTP Basic with the client id
      and secret). The token lasts an hour; ``expires_in`` comes as a *string*. It is
      kept in Django's cache (one key per client id) until a minute before it expires,
      so every worker shares it; Orange limits how often tokens may be requested.
    * A token can still be refused before its time (revoked, clock drift): a 401 on a
      send fetches a new token once and sends again.
    * One request per message; "201 Created" means accepted. The answer's
      ``resourceURL`` ends with Orange's id for the request, kept as ``provider_id``.
    * An unusable number is a 400 with ``requestError.serviceException`` ``SVC0004``
      ("No valid addresses"), or ``SVC0002`` ("Invalid input value") naming the
      address; both are permanent.
    * A 403 ``policyException`` usually means the SMS bundle is used up or expired:
      not the number's fault.
    """

    provider = "orange"
    settings_name = "SMS_ORANGE"
    default_base_url = "https://api.orange.com"
    required_keys = ("CLIENT_ID", "CLIENT_SECRET", "SENDER")
    max_batch_size = 50  # one HTTP request each: keeps one call to a few seconds
    token_margin = 60  # seconds before expiry a cached token is dropped
    default_token_lifetime = 3600

    @property
    def sender(self) -> str:
        return re.sub(r"\D", "", str(self.config["SENDER"]))

    @property
    def send_url(self) -> str:
        sender = quote(f"tel:+{self.sender}", safe="")
        return f"{self.base_url}/smsmessaging/v1/outbound/{sender}/requests"

    def token_cache_key(self) -> str:
        client = hashlib.sha256(str(self.config["CLIENT_ID"]).encode()).hexdigest()[:32]
        return f"sms:orange:token:{client}"

    def access_token(self, *, refresh: bool = False) -> str:
        """A bearer token, from the cache unless ``refresh`` or missing."""
        key = self.token_cache_key()
        if not refresh:
            token = cache.get(key)
            if token:
                return token
        response = self._request(
            lambda: {
                "method": "POST",
                "url": f"{self.base_url}/oauth/v3/token",
                "auth": (str(self.config["CLIENT_ID"]), str(self.config["CLIENT_SECRET"])),
                "data": {"grant_type": "client_credentials"},
                "headers": {"Accept": "application/json"},
            },
            "token request",
        )
        payload = _json(response)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if response.status_code != 200 or not token:
            raise ProviderError(
                f"orange token refused: HTTP {response.status_code} {_orange_error(payload)}"
            )
        try:
            lifetime = int(float(payload.get("expires_in", self.default_token_lifetime)))
        except (TypeError, ValueError):
            lifetime = self.default_token_lifetime
        ttl = lifetime - self.token_margin if lifetime > 2 * self.token_margin else lifetime // 2
        if ttl > 0:
            cache.set(key, token, ttl)
        else:
            cache.delete(key)
        return token

    def _payload(self, message: SmsMessage) -> dict:
        request = {
            "address": f"tel:{_plus(message.to)}",
            "senderAddress": f"tel:+{self.sender}",
            "outboundSMSTextMessage": {"message": message.body},
        }
        if self.config.get("SENDER_NAME"):
            request["senderName"] = str(self.config["SENDER_NAME"])
        return {"outboundSMSMessageRequest": request}

    def _send_one(self, message: SmsMessage) -> SmsResult:
        payload = self._payload(message)

        def build(token: str) -> Callable[[], dict]:
            return lambda: {
                "method": "POST",
                "url": self.send_url,
                "json": payload,
                "headers": {"Authorization": f"Bearer {token}", "Accept": "application/json"},
            }

        response = self._request(build(self.access_token()), _what(message))
        if response.status_code == 401:
            logger.info("orange: access token refused, fetching a new one")
            response = self._request(build(self.access_token(refresh=True)), _what(message))
            if response.status_code == 401:
                raise ProviderError("orange refused a fresh access token (HTTP 401)")
        answer = _json(response)
        if response.status_code in (200, 201):
            request = (
                answer.get("outboundSMSMessageRequest", {}) if isinstance(answer, dict) else {}
            )
            resource = str(request.get("resourceURL") or "") if isinstance(request, dict) else ""
            return SmsResult(message, ok=True, provider_id=resource.rstrip("/").rsplit("/", 1)[-1])
        return SmsResult(
            message,
            ok=False,
            error=f"HTTP {response.status_code} {_orange_error(answer)}".strip(),
            permanent=response.status_code == 400 and _orange_invalid_address(answer),
        )

    @classmethod
    def parse_status_callback(cls, request) -> list[SmsStatus]:
        """Orange's delivery receipt (POST, JSON), authenticated by ``?token=``.

        ``{"deliveryInfoNotification": {"callbackData": "...", "deliveryInfo":
        {"address": "tel:+225...", "deliveryStatus": "DeliveredToTerminal"}}}``.
        Statuses are OneAPI's: ``DeliveredToTerminal``, ``DeliveredToNetwork``,
        ``MessageWaiting``, ``DeliveryUncertain``, ``DeliveryNotificationNotSupported``
        and ``DeliveryImpossible``, the only failure. Orange says nothing of why, so
        ``permanent`` stays ``False``. ``provider_id`` is the ``callbackData`` if any.
        """
        verify_callback_token(request)
        notification = _json_body(request).get("deliveryInfoNotification")
        if not isinstance(notification, dict):
            raise InvalidCallback("no deliveryInfoNotification")
        infos = notification.get("deliveryInfo")
        if isinstance(infos, dict):
            infos = [infos]
        if not isinstance(infos, list) or not infos:
            raise InvalidCallback("no deliveryInfo")
        callback_data = str(notification.get("callbackData") or "")
        statuses = []
        for info in infos:
            if not isinstance(info, dict) or not info.get("address"):
                raise InvalidCallback("a deliveryInfo without address")
            status = str(info.get("deliveryStatus") or "")
            statuses.append(
                SmsStatus(
                    to=_plus(info["address"]),
                    provider_id=callback_data,
                    failed=status == "DeliveryImpossible",
                    reason=status,
                )
            )
        return statuses


def _orange_exception(payload: Any) -> dict:
    error = payload.get("requestError") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return {}
    exception = error.get("serviceException") or error.get("policyException")
    return exception if isinstance(exception, dict) else {}


def _orange_error(payload: Any) -> str:
    """Orange's error, whichever of its two shapes: OneAPI's or the API gateway's."""
    exception = _orange_exception(payload)
    if exception:
        return scrub(f"{exception.get('messageId', '')}: {exception.get('text', '')}")
    if isinstance(payload, dict) and ("message" in payload or "error" in payload):
        parts = (payload.get(k) for k in ("code", "error", "message", "description"))
        return scrub(" ".join(str(p) for p in parts if p))
    return ""


def _orange_invalid_address(payload: Any) -> bool:
    exception = _orange_exception(payload)
    message_id = exception.get("messageId")
    if message_id == "SVC0004":
        return True
    return message_id == "SVC0002" and "address" in str(exception.get("variables", "")).lower()


# --- OVHcloud -------------------------------------------------------------------------

# GSM 03.38: what "7bit" can carry (the extension table costs two septets a character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def sms_coding(body: str) -> str:
    """``"7bit"`` when GSM 03.38 can carry ``body``, else ``"8bit"`` (OVH then sends UCS-2).

    French often needs 8bit: "ê", "â", "ô", "ç" and the typographic apostrophe are not
    in the GSM alphabet, and such a message holds 70 characters a part instead of 160.
    """
    allowed = GSM7_BASIC | GSM7_EXTENSION
    return "7bit" if all(c in allowed for c in body) else "8bit"


@dataclass(frozen=True)
class SmsResultFields:
    """An ``SmsResult`` before it is tied to its message (one per OVH receiver)."""

    ok: bool
    provider_id: str = ""
    error: str = ""
    permanent: bool = False


class OvhSmsBackend(HttpSmsBackend):
    """OVHcloud SMS (France), through the signed OVH API.

    Settings ``SMS_OVH``: ``APPLICATION_KEY``, ``APPLICATION_SECRET``, ``CONSUMER_KEY``
    (an application and a consumer key allowed ``POST /sms/*/jobs``),
    ``SERVICE_NAME`` (the SMS account, ``sms-xx12345-1``), ``SENDER`` (a sender
    OVH has validated; empty: a short number that can receive replies,
    ``senderForResponse``), ``NO_STOP_CLAUSE`` (default ``True``), ``BASE_URL``
    (default ``https://eu.api.ovh.com``).

    Quirks:

    * Each call is signed: ``X-Ovh-Signature`` is ``"$1$"`` and the SHA-1 hex of
      ``secret+consumer key+METHOD+full URL+body+timestamp`` (joined by "+"), the body
      being the exact bytes sent. The timestamp must be OVH's clock: the offset from
      ``GET /1.0/auth/time`` is cached an hour, and fetched again when OVH answers
      ``QUERY_TIME_OUT``. Every attempt is signed anew.
    * One job carries one text to many receivers, so a batch is grouped by body, then
      cut in jobs of ``max_batch_size`` receivers. OVH answers 200 with ``ids``
      (in the order of ``validReceivers``) and ``invalidReceivers``: the latter are
      permanent failures.
    * Without ``noStopClause`` OVH appends "STOP 36xxx" to the text and holds the
      message at night and on Sundays, as for marketing. Alerts, invitations and
      replies are not marketing, hence ``NO_STOP_CLAUSE`` defaults to ``True``.
    * ``coding`` is "7bit" when the GSM alphabet can carry the text, else "8bit".
    * OVH's delivery callback is set once for the account (``PUT /sms/{service}``
      ``callBack``), not per job, and reports only the SMS id, never the number.
    """

    provider = "ovh"
    settings_name = "SMS_OVH"
    default_base_url = "https://eu.api.ovh.com"
    required_keys = ("APPLICATION_KEY", "APPLICATION_SECRET", "CONSUMER_KEY", "SERVICE_NAME")
    max_batch_size = 100
    time_delta_ttl = 3600
    clock: Callable[[], float] = staticmethod(time.time)

    @property
    def jobs_url(self) -> str:
        service = quote(str(self.config["SERVICE_NAME"]), safe="")
        return f"{self.base_url}/1.0/sms/{service}/jobs"

    def _time_delta_key(self) -> str:
        return "sms:ovh:time-delta:" + hashlib.sha256(self.base_url.encode()).hexdigest()[:32]

    def time_delta(self, *, refresh: bool = False) -> int:
        """OVH's clock minus ours, in seconds (cached)."""
        key = self._time_delta_key()
        delta = None if refresh else cache.get(key)
        if delta is None:
            response = self._request(
                lambda: {"method": "GET", "url": f"{self.base_url}/1.0/auth/time"}, "auth/time"
            )
            server_time = _json(response)
            if response.status_code != 200 or not isinstance(server_time, int | float):
                raise ProviderError(f"ovh auth/time failed: HTTP {response.status_code}")
            delta = int(server_time) - int(self.clock())
            cache.set(key, delta, self.time_delta_ttl)
        return delta

    def signature(self, method: str, url: str, body: str, timestamp: str) -> str:
        parts = (
            str(self.config["APPLICATION_SECRET"]),
            str(self.config["CONSUMER_KEY"]),
            method.upper(),
            url,
            body,
            timestamp,
        )
        digest = hashlib.sha1("+".join(parts).encode(), usedforsecurity=False).hexdigest()
        return f"$1${digest}"

    def _signed_headers(self, method: str, url: str, body: str) -> dict[str, str]:
        timestamp = str(int(self.clock()) + self.time_delta())
        return {
            "X-Ovh-Application": str(self.config["APPLICATION_KEY"]),
            "X-Ovh-Consumer": str(self.config["CONSUMER_KEY"]),
            "X-Ovh-Timestamp": timestamp,
            "X-Ovh-Signature": self.signature(method, url, body, timestamp),
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        }

    def job_payload(self, body: str, receivers: Sequence[str]) -> dict:
        payload: dict[str, Any] = {
            "receivers": list(receivers),
            "message": body,
            "noStopClause": bool(self.config.get("NO_STOP_CLAUSE", True)),
            "priority": "high",
            "charset": "UTF-8",
            "coding": sms_coding(body),
        }
        if self.config.get("SENDER"):
            payload["sender"] = str(self.config["SENDER"])
        else:
            payload["senderForResponse"] = True
        return payload

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:
        results: list[SmsResult | None] = [None] * len(messages)
        by_body: dict[str, list[int]] = {}
        for index, message in enumerate(messages):
            by_body.setdefault(message.body, []).append(index)
        abort = ""
        for body, indexes in by_body.items():
            receivers = list(dict.fromkeys(messages[i].to for i in indexes))
            for chunk in _chunks(receivers, self.max_batch_size):
                if abort:
                    outcome = {to: SmsResultFields(ok=False, error=abort) for to in chunk}
                else:
                    try:
                        outcome = self._send_job(body, chunk)
                    except ProviderError as exc:
                        abort = scrub(exc)
                        outcome = {to: SmsResultFields(ok=False, error=abort) for to in chunk}
                for index in indexes:
                    fields = outcome.get(messages[index].to)
                    if fields is not None:
                        results[index] = SmsResult(messages[index], **asdict(fields))
        done = [r for r in results if r is not None]
        self._log_results(done)
        return done

    def _send_job(self, body: str, receivers: list[str]) -> dict[str, SmsResultFields]:
        url = self.jobs_url
        data = json.dumps(self.job_payload(body, receivers), separators=(",", ":"))
        what = f"job for {len(receivers)} receiver(s)"

        def build() -> dict:
            headers = self._signed_headers("POST", url, data)
            return {"method": "POST", "url": url, "data": data.encode(), "headers": headers}

        response = self._request(build, what)
        answer = _json(response)
        if _ovh_error_code(answer) == "QUERY_TIME_OUT":
            logger.info("ovh: timestamp refused, synchronising with OVH's clock again")
            self.time_delta(refresh=True)
            response = self._request(build, what)
            answer = _json(response)
        error = f"HTTP {response.status_code} {_ovh_error(answer)}".strip()
        if response.status_code in (401, 403) or _ovh_error_code(answer) in _OVH_CREDENTIAL_ERRORS:
            raise ProviderError(f"ovh refused the credentials: {error}")
        if response.status_code != 200 or not isinstance(answer, dict):
            return {to: SmsResultFields(ok=False, error=error) for to in receivers}
        return _ovh_job_outcome(answer, receivers)

    @classmethod
    def parse_status_callback(cls, request) -> list[SmsStatus]:
        """OVH's delivery report, authenticated by ``?token=``.

        OVH calls the account's ``callBack`` URL with ``id`` (its SMS id, our
        ``provider_id``), ``ptt`` (the operator's status code), ``date``,
        ``description`` (the report's state: 0 pending, 1 delivered, 2 failed,
        4 waiting, 8 buffered, 16 error/not billed) and ``descriptionDlr``, in the
        query string (or a form body). Older integrations send ``dlr`` or ``status``
        for the state and ``receiver`` or ``number`` for the number; both are read.
        Failed: state 2 or 16, or a ptt that is a final failure (5, 8, 20 and above).
        Permanent: ptt 23 (invalid or barred number) or 27 (handset cannot receive).
        """
        verify_callback_token(request)
        params = request.POST if request.method == "POST" and request.POST else request.GET

        def first(*names: str) -> str:
            return next((str(params[n]).strip() for n in names if params.get(n)), "")

        provider_id = first("id", "smsId")
        state = first("description", "dlr", "status")
        ptt = first("ptt")
        if not provider_id and not first("receiver", "number"):
            raise InvalidCallback("neither an SMS id nor a number")
        if not state and not ptt:
            raise InvalidCallback("no delivery state")
        ptt_code = int(ptt) if ptt.isdigit() else None
        failed = state in {"2", "16"} or (
            ptt_code is not None and ptt_code not in _OVH_PTT_NOT_FAILED
        )
        reason = " ".join(
            part
            for part in (
                f"state {state}" if state else "",
                f"ptt {ptt}" if ptt else "",
                scrub(first("descriptionDlr")),
            )
            if part
        )
        number = first("receiver", "number")
        return [
            SmsStatus(
                to=_plus(number) if number else "",
                provider_id=provider_id,
                failed=failed,
                reason=reason,
                permanent=failed and ptt_code in {23, 27},
            )
        ]


_OVH_CREDENTIAL_ERRORS = {
    "INVALID_SIGNATURE",
    "INVALID_CREDENTIAL",
    "INVALID_KEY",
    "NOT_GRANTED_CALL",
}
_OVH_PTT_NOT_FAILED = {0, 1, 2, 3, 4, 6}  # pending, retrying, accepted, delivered, unknown


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), max(1, size)):
        yield list(items[start : start + size])


def _ovh_error_code(payload: Any) -> str:
    return str(payload.get("errorCode") or "") if isinstance(payload, dict) else ""


def _ovh_error(payload: Any) -> str:
    if not isinstance(payload, dict):
        return ""
    return scrub(" ".join(str(payload[k]) for k in ("errorCode", "message") if payload.get(k)))


def _ovh_job_outcome(answer: dict, receivers: list[str]) -> dict[str, SmsResultFields]:
    """Each receiver's fate from OVH's job answer (numbers compared as "+digits")."""

    def key(number: Any) -> str:
        return re.sub(r"[^\d+]", "", _plus(str(number)))

    invalid = {key(n) for n in answer.get("invalidReceivers") or []}
    valid_list = answer.get("validReceivers")
    ids = answer.get("ids") or []
    valid: dict[str, str] = {}
    if isinstance(valid_list, list):
        paired = len(ids) == len(valid_list)
        for position, number in enumerate(valid_list):
            valid[key(number)] = str(ids[position]) if paired else ""
    outcome = {}
    for to in receivers:
        number = key(to)
        if number in invalid:
            outcome[to] = SmsResultFields(ok=False, error="ovh: invalid receiver", permanent=True)
        elif valid_list is None or number in valid:
            provider_id = valid.get(number, "")
            if not provider_id and len(receivers) == 1 and len(ids) == 1:
                provider_id = str(ids[0])
            outcome[to] = SmsResultFields(ok=True, provider_id=provider_id)
        else:
            outcome[to] = SmsResultFields(ok=False, error="ovh: receiver not acknowledged")
    return outcome


# --- Twilio ---------------------------------------------------------------------------

# Errors that mean "this number cannot get an SMS", when sending or in a delivery report.
TWILIO_PERMANENT_CODES = frozenset(
    {
        21211,  # invalid 'To' phone number
        21214,  # 'To' number cannot be reached
        21217,  # phone number does not appear to be valid
        21401,  # invalid phone number
        21407,  # this number type does not support SMS
        21421,  # phone number is invalid
        21610,  # the recipient replied STOP: unsubscribed
        21612,  # cannot route to this number
        21614,  # 'To' number is not a valid mobile number
        30005,  # unknown destination handset
        30006,  # landline or unreachable carrier
    }
)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Any]) -> str:
    """Twilio's request signature: base64 of HMAC-SHA1(auth token, URL + parameters).

    The parameters (a POST's form fields) are sorted by name, and each name is
    followed by its value, without separators; a repeated name contributes each of
    its values, sorted. ``params`` may be a ``QueryDict``/``MultiValueDict``.
    """
    text = url
    for name in sorted(params):
        values = params.getlist(name) if hasattr(params, "getlist") else params[name]
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            values = [values]
        for value in sorted(str(v) for v in values):
            text += name + value
    digest = hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as given, and with its default port added or removed.

    Twilio signs the URL as it called it; whether that had ``:443`` depends on how
    the callback URL was written, and proxies may add or strip it.
    """
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    variants = [url]
    if default is None or not parts.hostname:
        return variants
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    if parts.port is None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")))
    elif parts.port == default:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}")))
    return variants


class TwilioSmsBackend(HttpSmsBackend):
    """Twilio's Messages API.

    Settings ``SMS_TWILIO``: ``ACCOUNT_SID``, ``AUTH_TOKEN``, then ``FROM`` (a Twilio
    number or an approved alphanumeric sender) or ``MESSAGING_SERVICE_SID`` (a
    messaging service choosing the sender; used when both are set),
    ``STATUS_CALLBACK`` (optional URL for delivery reports), ``BASE_URL`` (default
    ``https://api.twilio.com``).

    Quirks: form-encoded POST, HTTP Basic with the account SID and auth token, one
    request per message; "201 Created" with the message ``sid``. Errors are JSON with
    a numeric ``code``; those in ``TWILIO_PERMANENT_CODES`` (invalid, unreachable or
    unsubscribed number) are permanent. Twilio's error messages quote the number:
    they are scrubbed. A 401 means the credentials are wrong: the batch stops.
    """

    provider = "twilio"
    settings_name = "SMS_TWILIO"
    default_base_url = "https://api.twilio.com"
    required_keys = ("ACCOUNT_SID", "AUTH_TOKEN")
    max_batch_size = 50

    def __init__(self, config: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        if not (self.config.get("FROM") or self.config.get("MESSAGING_SERVICE_SID")):
            raise ImproperlyConfigured("SMS_TWILIO needs FROM or MESSAGING_SERVICE_SID.")

    @property
    def messages_url(self) -> str:
        account = quote(str(self.config["ACCOUNT_SID"]), safe="")
        return f"{self.base_url}/2010-04-01/Accounts/{account}/Messages.json"

    def form(self, message: SmsMessage) -> dict[str, str]:
        data = {"To": message.to, "Body": message.body}
        if self.config.get("MESSAGING_SERVICE_SID"):
            data["MessagingServiceSid"] = str(self.config["MESSAGING_SERVICE_SID"])
        else:
            data["From"] = str(self.config["FROM"])
        if self.config.get("STATUS_CALLBACK"):
            data["StatusCallback"] = str(self.config["STATUS_CALLBACK"])
        return data

    def _send_one(self, message: SmsMessage) -> SmsResult:
        data = self.form(message)
        auth = (str(self.config["ACCOUNT_SID"]), str(self.config["AUTH_TOKEN"]))
        response = self._request(
            lambda: {
                "method": "POST",
                "url": self.messages_url,
                "data": data,
                "auth": auth,
                "headers": {"Accept": "application/json"},
            },
            _what(message),
        )
        answer = _json(response)
        answer = answer if isinstance(answer, dict) else {}
        if response.status_code in (200, 201) and answer.get("sid"):
            return SmsResult(message, ok=True, provider_id=str(answer["sid"]))
        code = answer.get("code")
        error = scrub(f"HTTP {response.status_code} {code or ''} {answer.get('message') or ''}")
        if response.status_code == 401:
            raise ProviderError(f"twilio refused the credentials: {error}")
        try:
            permanent = int(code) in TWILIO_PERMANENT_CODES
        except (TypeError, ValueError):
            permanent = False
        return SmsResult(message, ok=False, error=error, permanent=permanent)

    @classmethod
    def parse_status_callback(cls, request, *, url: str | None = None) -> list[SmsStatus]:
        """Twilio's status callback, checked against ``X-Twilio-Signature``.

        The signature covers the full URL Twilio called (query string included) and,
        for a POST, the form fields (see ``twilio_signature``). ``url`` defaults to
        ``request.build_absolute_uri()``; behind a proxy that rewrites the host or the
        scheme, configure Django for it (``USE_X_FORWARDED_HOST``,
        ``SECURE_PROXY_SSL_HEADER``) or pass the public URL. Statuses: ``queued``,
        ``sending``, ``sent``, ``delivered``; ``undelivered`` and ``failed`` are
        failures, with an ``ErrorCode`` (30005 unknown number and 30006 landline
        are permanent; 30003 unreachable handset is not).
        """
        config = getattr(settings, cls.settings_name, None) or {}
        auth_token = str(config.get("AUTH_TOKEN") or "")
        given = request.headers.get("X-Twilio-Signature", "")
        if not auth_token or not given:
            raise InvalidSignature("missing Twilio signature or AUTH_TOKEN")
        params = request.POST if request.method == "POST" else {}
        expected = [
            twilio_signature(auth_token, candidate, params)
            for candidate in _url_variants(url or request.build_absolute_uri())
        ]
        given_bytes = given.encode("utf-8", "replace")
        # Every candidate compared, whatever the first outcome: no timing difference.
        matches = [hmac.compare_digest(sig.encode(), given_bytes) for sig in expected]
        if not any(matches):
            raise InvalidSignature("wrong Twilio signature")
        data = request.POST if request.method == "POST" else request.GET
        sid = data.get("MessageSid") or data.get("SmsSid") or ""
        status = data.get("MessageStatus") or data.get("SmsStatus") or ""
        if not sid or not status:
            raise InvalidCallback("no MessageSid or MessageStatus")
        error_code = str(data.get("ErrorCode") or "")
        failed = status in {"failed", "undelivered"}
        return [
            SmsStatus(
                to=data.get("To", ""),
                provider_id=sid,
                failed=failed,
                reason=f"{status} ({error_code})" if error_code else status,
                permanent=failed
                and error_code.isdigit()
                and int(error_code) in TWILIO_PERMANENT_CODES,
            )
        ]


# --- Routing --------------------------------------------------------------------------


class RoutingSmsBackend(SmsBackend):
    """Chooses a backend per destination by the longest E.164 prefix in ``SMS_ROUTES``.

    ``SMS_ROUTES`` maps prefixes ("+225", "+33") to backend paths, and ``"default"``
    to the backend for every other number (no default: those messages fail, not
    permanently). A batch is split per backend (and in chunks of that backend's
    ``max_batch_size``); results come back in the order of the messages. Backends are
    built on first use, so an unconfigured provider only matters when a number needs
    it (then ``ImproperlyConfigured``, before anything is sent).
    """

    def __init__(self, routes: Mapping[str, str] | None = None) -> None:
        if routes is None:
            routes = getattr(settings, "SMS_ROUTES", None) or {}
        self.default = routes.get("default") or ""
        self.routes: dict[str, str] = {}
        for prefix, path in routes.items():
            if prefix == "default":
                continue
            if not re.fullmatch(r"\+\d{1,6}", prefix):
                raise ImproperlyConfigured(f"SMS_ROUTES: {prefix!r} is not an E.164 prefix.")
            self.routes[prefix] = path
        self._backends: dict[str, SmsBackend] = {}

    def route(self, number: str) -> str:
        """The backend path for ``number`` ("" when no route matches)."""
        number = re.sub(r"[^\d+]", "", _plus(number))
        matching = [prefix for prefix in self.routes if number.startswith(prefix)]
        return self.routes[max(matching, key=len)] if matching else self.default

    def backend(self, path: str) -> SmsBackend:
        if path not in self._backends:
            try:
                backend_class = import_string(path)
            except ImportError as exc:
                raise ImproperlyConfigured(f"SMS_ROUTES: {path!r} cannot be imported.") from exc
            self._backends[path] = backend_class()
        return self._backends[path]

    def backend_for(self, number: str) -> SmsBackend | None:
        path = self.route(number)
        return self.backend(path) if path else None

    @property
    def max_batch_size(self) -> int:  # type: ignore[override]
        """Any batch is split per backend, so the largest of the routed backends' sizes.

        Read on the classes: asking must not require every provider's credentials.
        """
        sizes = []
        for path in {*self.routes.values(), self.default} - {""}:
            try:
                size = getattr(import_string(path), "max_batch_size", None)
            except ImportError:
                continue
            if isinstance(size, int):
                sizes.append(size)
        return max(sizes, default=SmsBackend.max_batch_size)

    def send_batch(self, messages: Sequence[SmsMessage]) -> list[SmsResult]:
        results: list[SmsResult | None] = [None] * len(messages)
        groups: dict[str, list[int]] = {}
        for index, message in enumerate(messages):
            path = self.route(message.to)
            if not path:
                results[index] = SmsResult(message, ok=False, error="no SMS route for this number")
                logger.warning("sms: no route for %s", mask_number(message.to))
                continue
            groups.setdefault(path, []).append(index)
        backends = {path: self.backend(path) for path in groups}  # configuration errors first
        for path, indexes in groups.items():
            backend = backends[path]
            size = max(1, backend.max_batch_size)
            for start in range(0, len(indexes), size):
                chunk = indexes[start : start + size]
                batch = [messages[i] for i in chunk]
                try:
                    sent = backend.send_batch(batch)
                except Exception as exc:
                    # One provider's bug must not lose the other providers' results.
                    logger.error("sms: %s failed: %s %s", path, type(exc).__name__, scrub(exc))
                    error = f"{type(exc).__name__} in {path}"
                    sent = [SmsResult(m, ok=False, error=error) for m in batch]
                for index, result in zip(chunk, sent, strict=True):
                    results[index] = result
        return [r for r in results if r is not None]
