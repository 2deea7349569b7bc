"""Orange SMS API (Côte d'Ivoire): OAuth2 client credentials, a cached token."""

import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.core.cache import cache

from notifications.sms import SmsMessage, SmsResult
from notifications.sms_http.base import (
    HttpSmsBackend,
    InvalidCallback,
    ProviderError,
    SmsStatus,
    _json,
    _plus,
    _what,
    json_body,
    scrub,
    verify_callback_token,
)

logger = logging.getLogger("voisinage.sms")


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
        notification = json_body(request).get("deliveryInfoNotification")
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
