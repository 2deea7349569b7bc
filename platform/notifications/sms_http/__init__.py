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

from notifications.sms_http.base import (
    HttpSmsBackend,
    InvalidCallback,
    InvalidSignature,
    ProviderError,
    SmsStatus,
    json_body,
    scrub,
    verify_callback_token,
)
from notifications.sms_http.orange import OrangeSmsBackend
from notifications.sms_http.ovh import OvhSmsBackend, SmsResultFields, sms_coding
from notifications.sms_http.routing import RoutingSmsBackend
from notifications.sms_http.twilio import TwilioSmsBackend, twilio_signature, url_variants

__all__ = [
    "HttpSmsBackend",
    "InvalidCallback",
    "InvalidSignature",
    "OrangeSmsBackend",
    "OvhSmsBackend",
    "ProviderError",
    "RoutingSmsBackend",
    "SmsResultFields",
    "SmsStatus",
    "TwilioSmsBackend",
    "json_body",
    "scrub",
    "sms_coding",
    "twilio_signature",
    "url_variants",
    "verify_callback_token",
]
