"""Settings of the push channel (``notifications.push``), read from the environment.

Imported into the project settings (``from notifications.push_settings import *``).
Every value has a safe default: without keys, push is simply "not configured" and
``send_push`` answers ``ok=False, error="not configured"`` without any network access.

Web Push (browsers)
    ``WEBPUSH_VAPID_PRIVATE_KEY``
        The VAPID (RFC 8292) P-256 private key. Accepted forms: the base64url raw
        32-byte private scalar (what ``manage.py generate_vapid_keys`` prints, one line,
        handy in an environment variable), a PEM block (PKCS#8 ``PRIVATE KEY`` or SEC1
        ``EC PRIVATE KEY``; ``\\n`` written literally in an environment variable is
        understood), base64url DER (PKCS#8), or the path of a PEM file.
    ``WEBPUSH_VAPID_SUBJECT``
        Contact of the sender for the push services: ``mailto:someone@example.org`` or
        an ``https://`` URL. Required (Apple's push service rejects a JWT without it).
    ``WEBPUSH_ALLOW_INSECURE_ENDPOINTS``
        Push services are HTTPS on public host names; subscriptions naming ``http://``,
        an IP address or ``localhost`` are refused unless this is true (tests only).

Firebase Cloud Messaging (Android and iOS apps)
    ``FCM_SERVICE_ACCOUNT``
        The Google service account allowed to send (role "Firebase Cloud Messaging API
        Admin"): the path of its JSON key file, or the JSON itself. ``None`` when unset.
    ``FCM_BASE_URL``
        ``https://fcm.googleapis.com`` (tests point it at a local fake).

Both
    ``PUSH_TIMEOUT``: seconds for each HTTP request.
    ``PUSH_TTL`` / ``PUSH_URGENT_TTL``: seconds a push service keeps an undelivered
    message for an offline device; alerts are short-lived (an old alert misleads).
    ``PUSH_MAX_RETRIES``: FCM retries after 429/503 (Web Push always retries once).
    ``PUSH_RETRY_MAX_WAIT``: the longest wait (seconds) honoured before a retry; a
    provider asking for more gets an error result instead of a blocked worker.
"""

import os

__all__ = [
    "FCM_BASE_URL",
    "FCM_SERVICE_ACCOUNT",
    "PUSH_MAX_RETRIES",
    "PUSH_RETRY_MAX_WAIT",
    "PUSH_TIMEOUT",
    "PUSH_TTL",
    "PUSH_URGENT_TTL",
    "WEBPUSH_ALLOW_INSECURE_ENDPOINTS",
    "WEBPUSH_VAPID_PRIVATE_KEY",
    "WEBPUSH_VAPID_SUBJECT",
]

WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_SUBJECT = os.environ.get("WEBPUSH_VAPID_SUBJECT", "")
WEBPUSH_ALLOW_INSECURE_ENDPOINTS = False

FCM_SERVICE_ACCOUNT = os.environ.get("FCM_SERVICE_ACCOUNT") or None
FCM_BASE_URL = os.environ.get("FCM_BASE_URL", "https://fcm.googleapis.com")

PUSH_TIMEOUT = float(os.environ.get("PUSH_TIMEOUT", "10"))
PUSH_TTL = int(os.environ.get("PUSH_TTL", str(24 * 3600)))
PUSH_URGENT_TTL = int(os.environ.get("PUSH_URGENT_TTL", "3600"))
PUSH_MAX_RETRIES = int(os.environ.get("PUSH_MAX_RETRIES", "2"))
PUSH_RETRY_MAX_WAIT = float(os.environ.get("PUSH_RETRY_MAX_WAIT", "30"))
