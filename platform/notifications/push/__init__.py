"""Push notifications: Web Push for browsers, Firebase Cloud Messaging for the apps.

``send_push(targets, payload)`` is the channel's client: it takes the devices a
notification goes to and returns one ``PushResult`` per target, in the same order.
It never raises for a provider's answer; a result says whether the provider accepted
the message (``ok``), whether the device is gone for good (``gone``: the caller
deactivates it) or what went wrong (``error``). Nothing here touches the database.

Web Push (``platform="web"``)
    A browser's ``PushSubscription`` gives an endpoint URL at its push service
    (Google's, Mozilla's, Apple's, Microsoft's…) and two keys. The message is
    encrypted for the browser (RFC 8291, ``aes128gcm`` content coding, done by
    ``pywebpush``) and POSTed to the endpoint with a VAPID JWT (RFC 8292, ES256,
    ``aud`` = the endpoint's origin, ``sub`` = ``WEBPUSH_VAPID_SUBJECT``) in
    ``Authorization: vapid t=…, k=…``. Headers (RFC 8030): ``TTL`` (how long the
    service keeps the message for an offline browser), ``Urgency`` (``high`` for
    alerts, so a phone in power saving wakes up) and ``Topic`` (the tag, when it is a
    valid topic: a newer message replaces an undelivered one). Answers: 201 accepted;
    404/410 the subscription expired or was revoked (gone); 429 and 5xx are retried
    once (honouring ``Retry-After``); anything else is an error (400 malformed, 401/403
    a VAPID problem, 413 payload too big). The plaintext is the JSON
    ``{"title", "body", "url", "tag"}`` that ``static/notifications/sw.js`` shows.

Firebase Cloud Messaging HTTP v1 (``platform="android"`` and ``"ios"``)
    The apps register FCM registration tokens on both platforms; FCM delivers to
    Android itself and relays to APNs for iOS. Each message goes in its own request
    (v1 has no multicast) to ``/v1/projects/{project_id}/messages:send``, with an
    OAuth 2 access token of a Google service account: a JWT (RS256) signed with the
    account's key is exchanged at its ``token_uri`` (JWT bearer grant, RFC 7523) and
    the token is cached (Django cache) until five minutes before it expires. The
    message carries ``notification`` (title, body), ``data`` (url, tag: strings),
    an ``android`` block (priority ``HIGH``/``NORMAL``, ``ttl``, collapse key) and
    an ``apns`` block (headers ``apns-priority`` 10/5, ``apns-expiration``,
    ``apns-collapse-id``; ``aps`` alert, sound and ``interruption-level``
    ``time-sensitive`` for alerts — iOS shows it through Focus modes when the app has
    the Time Sensitive capability, otherwise as ``active``). Answers: 200 accepted;
    404 ``NOT_FOUND``/``UNREGISTERED`` (app uninstalled, token expired) and 400
    ``INVALID_ARGUMENT`` about the token are gone; 401 refreshes the access token once
    per call; 429 and 503 are retried with exponential backoff honouring
    ``Retry-After`` (``PUSH_MAX_RETRIES`` times, never waiting more than
    ``PUSH_RETRY_MAX_WAIT``); anything else is an error.

Settings (defaults and accepted formats in ``notifications.push_settings``):
``WEBPUSH_VAPID_PRIVATE_KEY``, ``WEBPUSH_VAPID_SUBJECT``,
``WEBPUSH_ALLOW_INSECURE_ENDPOINTS``, ``FCM_SERVICE_ACCOUNT``, ``FCM_BASE_URL``,
``PUSH_TIMEOUT``, ``PUSH_TTL``, ``PUSH_URGENT_TTL``, ``PUSH_MAX_RETRIES``,
``PUSH_RETRY_MAX_WAIT``. A channel without its settings answers
``error="not configured"`` for its targets, without any network access.

Endpoints come from browsers, so they are untrusted URLs: only ``https://`` on a
public host name is accepted and redirects are never followed (no request to the
platform's own network on behalf of a user).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import requests

from notifications.push.common import (
    ANDROID,
    APP_PLATFORMS,
    IOS,
    WEB,
    PushPayload,
    PushResult,
    PushTarget,
    Sleep,
    _send_all,
)
from notifications.push.fcm import _fcm_sender
from notifications.push.webpush import (
    _web_sender,
    generate_vapid_keys,
    vapid_public_key,
    web_subscription_problem,
)


def send_push(
    targets: Sequence[PushTarget], payload: PushPayload, *, sleep: Sleep = time.sleep
) -> list[PushResult]:
    """Send ``payload`` to every target; one result per target, in the input order.

    Web targets go to their push service, Android and iOS targets to FCM, all over
    one ``requests.Session``. ``sleep`` is what waits before a retry (tests pass a
    recorder). Provider answers never raise: they become results.
    """
    results: list[PushResult | None] = [None] * len(targets)
    web = [(i, t) for i, t in enumerate(targets) if t.platform == WEB]
    apps = [(i, t) for i, t in enumerate(targets) if t.platform in APP_PLATFORMS]
    for i, target in enumerate(targets):
        if target.platform != WEB and target.platform not in APP_PLATFORMS:
            results[i] = PushResult(target, ok=False, error=f"unknown platform {target.platform!r}")
    if web or apps:
        with requests.Session() as session:
            session.max_redirects = 0  # endpoints are untrusted: never follow a redirect
            if web:
                _send_all(_web_sender(session, sleep), web, payload, results)
            if apps:
                _send_all(_fcm_sender(session, sleep), apps, payload, results)
    return [result for result in results if result is not None]


__all__ = [
    "ANDROID",
    "APP_PLATFORMS",
    "IOS",
    "WEB",
    "PushPayload",
    "PushResult",
    "PushTarget",
    "generate_vapid_keys",
    "send_push",
    "vapid_public_key",
    "web_subscription_problem",
]
