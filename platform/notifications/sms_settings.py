"""Default settings of the HTTP SMS providers, read from the environment.

For a settings module::

    from notifications.sms_settings import *  # noqa: F403  (the SMS_* names below)

or, to read another mapping than ``os.environ``::

    from notifications.sms_settings import sms_settings
    globals().update(sms_settings(environ))

Environment variables (all optional; a provider missing its credentials raises
``ImproperlyConfigured`` only when a message is routed to it):

* Orange (Côte d'Ivoire): ``SMS_ORANGE_CLIENT_ID``, ``SMS_ORANGE_CLIENT_SECRET``,
  ``SMS_ORANGE_SENDER`` (digits, country code first, e.g. ``2250000``),
  ``SMS_ORANGE_SENDER_NAME``, ``SMS_ORANGE_BASE_URL``;
* OVHcloud (France): ``SMS_OVH_APPLICATION_KEY``, ``SMS_OVH_APPLICATION_SECRET``,
  ``SMS_OVH_CONSUMER_KEY``, ``SMS_OVH_SERVICE_NAME``, ``SMS_OVH_SENDER``,
  ``SMS_OVH_NO_STOP_CLAUSE`` (default ``1``), ``SMS_OVH_BASE_URL``;
* Twilio: ``SMS_TWILIO_ACCOUNT_SID``, ``SMS_TWILIO_AUTH_TOKEN``, ``SMS_TWILIO_FROM``,
  ``SMS_TWILIO_MESSAGING_SERVICE_SID``, ``SMS_TWILIO_STATUS_CALLBACK``,
  ``SMS_TWILIO_BASE_URL``;
* ``SMS_ROUTES`` (JSON, e.g. ``{"+225": "notifications.sms_http.OrangeSmsBackend",
  "default": "notifications.sms_http.TwilioSmsBackend"}``), ``SMS_TIMEOUT`` (seconds),
  ``SMS_MAX_ATTEMPTS``, ``SMS_CALLBACK_TOKEN`` (the secret in Orange's and OVH's
  callback URLs, ``?token=...``).

To send through the router: ``SMS_BACKEND=notifications.sms_http.RoutingSmsBackend``
(production settings only: ``notifications.sms.get_backend`` wants ``REAL_SENDING``).
This module imports nothing from Django, so settings can import it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

ORANGE = "notifications.sms_http.OrangeSmsBackend"
OVH = "notifications.sms_http.OvhSmsBackend"
TWILIO = "notifications.sms_http.TwilioSmsBackend"

DEFAULT_SMS_ROUTES = {
    "+225": ORANGE,  # Côte d'Ivoire
    "+33": OVH,  # metropolitan France
    "+262": OVH,  # La Réunion, Mayotte
    "+590": OVH,  # Guadeloupe, Saint-Martin, Saint-Barthélemy
    "+594": OVH,  # French Guiana
    "+596": OVH,  # Martinique
    "default": TWILIO,
}

__all__ = [
    "SMS_CALLBACK_TOKEN",
    "SMS_MAX_ATTEMPTS",
    "SMS_ORANGE",
    "SMS_OVH",
    "SMS_ROUTES",
    "SMS_TIMEOUT",
    "SMS_TWILIO",
]


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def sms_settings(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """The ``SMS_*`` settings from ``environ`` (``os.environ`` by default)."""
    env = os.environ if environ is None else environ

    def get(name: str, default: str = "") -> str:
        return env.get(name, default).strip()

    routes_json = get("SMS_ROUTES")
    if routes_json:
        routes = json.loads(routes_json)
        if not isinstance(routes, dict):
            raise ValueError("SMS_ROUTES must be a JSON object of prefix: backend path.")
    else:
        routes = dict(DEFAULT_SMS_ROUTES)
    return {
        "SMS_ORANGE": {
            "CLIENT_ID": get("SMS_ORANGE_CLIENT_ID"),
            "CLIENT_SECRET": get("SMS_ORANGE_CLIENT_SECRET"),
            "SENDER": get("SMS_ORANGE_SENDER"),
            "SENDER_NAME": get("SMS_ORANGE_SENDER_NAME"),
            "BASE_URL": get("SMS_ORANGE_BASE_URL", "https://api.orange.com"),
        },
        "SMS_OVH": {
            "APPLICATION_KEY": get("SMS_OVH_APPLICATION_KEY"),
            "APPLICATION_SECRET": get("SMS_OVH_APPLICATION_SECRET"),
            "CONSUMER_KEY": get("SMS_OVH_CONSUMER_KEY"),
            "SERVICE_NAME": get("SMS_OVH_SERVICE_NAME"),
            "SENDER": get("SMS_OVH_SENDER"),
            "NO_STOP_CLAUSE": _flag(env.get("SMS_OVH_NO_STOP_CLAUSE"), True),
            "BASE_URL": get("SMS_OVH_BASE_URL", "https://eu.api.ovh.com"),
        },
        "SMS_TWILIO": {
            "ACCOUNT_SID": get("SMS_TWILIO_ACCOUNT_SID"),
            "AUTH_TOKEN": get("SMS_TWILIO_AUTH_TOKEN"),
            "FROM": get("SMS_TWILIO_FROM"),
            "MESSAGING_SERVICE_SID": get("SMS_TWILIO_MESSAGING_SERVICE_SID"),
            "STATUS_CALLBACK": get("SMS_TWILIO_STATUS_CALLBACK"),
            "BASE_URL": get("SMS_TWILIO_BASE_URL", "https://api.twilio.com"),
        },
        "SMS_ROUTES": routes,
        "SMS_TIMEOUT": float(get("SMS_TIMEOUT") or 10),
        "SMS_MAX_ATTEMPTS": int(get("SMS_MAX_ATTEMPTS") or 3),
        "SMS_CALLBACK_TOKEN": get("SMS_CALLBACK_TOKEN"),
    }


_DEFAULTS = sms_settings()
SMS_ORANGE = _DEFAULTS["SMS_ORANGE"]
SMS_OVH = _DEFAULTS["SMS_OVH"]
SMS_TWILIO = _DEFAULTS["SMS_TWILIO"]
SMS_ROUTES = _DEFAULTS["SMS_ROUTES"]
SMS_TIMEOUT = _DEFAULTS["SMS_TIMEOUT"]
SMS_MAX_ATTEMPTS = _DEFAULTS["SMS_MAX_ATTEMPTS"]
SMS_CALLBACK_TOKEN = _DEFAULTS["SMS_CALLBACK_TOKEN"]
