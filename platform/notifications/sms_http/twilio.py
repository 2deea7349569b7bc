"""Twilio Programmable Messaging: signed status callbacks."""

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notifications.sms import SmsMessage, SmsResult
from notifications.sms_http.base import (
    HttpSmsBackend,
    InvalidCallback,
    InvalidSignature,
    ProviderError,
    SmsStatus,
    _json,
    _what,
    scrub,
)

logger = logging.getLogger("voisinage.sms")

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


def url_variants(url: str) -> list[str]:
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
            permanent = int(str(code)) in TWILIO_PERMANENT_CODES
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
            for candidate in url_variants(url or request.build_absolute_uri())
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
