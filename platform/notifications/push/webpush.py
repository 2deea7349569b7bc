"""Web Push (RFC 8030, 8291, 8292): VAPID-signed, encrypted messages to browsers' push services."""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_ece import ECEException
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher, WebPushException

from notifications.push.common import (
    _TOPIC,
    BODY_MAX_CHARS,
    TITLE_MAX_CHARS,
    VAPID_JWT_LIFETIME,
    WEB,
    WEB_RETRY_DEFAULT_WAIT,
    PushPayload,
    PushResult,
    PushTarget,
    Sleep,
    _b64url,
    _b64url_decode,
    _clip,
    _not_configured,
    _public_key_b64,
    _retry_after,
    _setting,
    _ttl,
)

logger = logging.getLogger("notifications.push")


def vapid_public_key() -> str:
    """The application server key for ``PushManager.subscribe`` (base64url), or "".

    Derived from ``WEBPUSH_VAPID_PRIVATE_KEY``: the uncompressed P-256 point (65 bytes).
    "" when Web Push is not configured (no key or no subject) or the key is invalid,
    so a page can leave its subscribe button out.
    """
    try:
        vapid = _configured_vapid()
    except ValueError:
        logger.exception("WEBPUSH_VAPID_PRIVATE_KEY is not a valid P-256 private key")
        return ""
    return _public_key_b64(vapid.private_key.public_key()) if vapid else ""


def generate_vapid_keys() -> tuple[str, str]:
    """A new VAPID key pair: (private key for the settings, public application server key).

    The private key is the base64url raw 32-byte P-256 scalar, one line for an
    environment variable; the public key is the base64url uncompressed point.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return _b64url(raw), _public_key_b64(key.public_key())


@functools.lru_cache(maxsize=8)
def _load_vapid(private_key: str) -> Vapid02:
    """A signer for ``WEBPUSH_VAPID_PRIVATE_KEY``; ``ValueError`` if it is not P-256.

    Accepted: a PEM block (PKCS#8 or SEC1, literal ``\\n`` allowed), the path of a PEM
    file, the base64url raw 32-byte scalar, or base64url DER (PKCS#8).
    """
    text = private_key.strip()
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_private_key(
                text.replace("\\n", "\n").encode("ascii"), password=None
            )
        elif os.path.isfile(text):
            return _load_vapid(Path(text).read_text(encoding="ascii"))
        else:
            raw = _b64url_decode(text)
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (TypeError, UnicodeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"unreadable VAPID private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("the VAPID private key must be an EC P-256 key")
    return Vapid02(private_key=key)


def _configured_vapid() -> Vapid02 | None:
    """The VAPID signer, None if key or subject is missing; ValueError if invalid."""
    key = _setting("WEBPUSH_VAPID_PRIVATE_KEY")
    if not key or not _setting("WEBPUSH_VAPID_SUBJECT"):
        return None
    return _load_vapid(key)


def web_subscription_problem(endpoint: str, p256dh: str, auth: str) -> str:
    """Why a browser's subscription cannot be used, or "" (for the view that stores it).

    The endpoint must be an ``https://`` URL on a public host name (any http(s) URL
    when ``WEBPUSH_ALLOW_INSECURE_ENDPOINTS``); ``p256dh`` must be a base64url P-256
    point (65 bytes) and ``auth`` a base64url 16-byte secret (RFC 8291).
    """
    return _endpoint_problem(endpoint) or _subscription_problem(
        PushTarget(WEB, endpoint, p256dh, auth)
    )


def _endpoint_problem(endpoint: str) -> str:
    """Why a subscription endpoint is refused, or "" (see the module docstring)."""
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
    except ValueError:
        return "invalid endpoint"
    if _setting("WEBPUSH_ALLOW_INSECURE_ENDPOINTS"):
        return "" if parts.scheme in ("http", "https") and host else "invalid endpoint"
    if parts.scheme != "https" or not host or "." not in host or host.endswith(".localhost"):
        return "invalid endpoint"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return ""
    return "invalid endpoint"


def _subscription_problem(target: PushTarget) -> str:
    """Why a subscription's keys cannot be used, or "" (RFC 8291 sizes)."""
    try:
        p256dh, auth = _b64url_decode(target.p256dh), _b64url_decode(target.auth)
    except (ValueError, UnicodeError):
        return "invalid subscription keys"
    if len(p256dh) != 65 or p256dh[0] != 4 or len(auth) != 16:
        return "invalid subscription keys"
    return ""


def _web_sender(session: requests.Session, sleep: Sleep):
    try:
        vapid = _configured_vapid()
    except ValueError as exc:
        logger.error("Web Push disabled: %s", exc)
        return lambda target, payload: PushResult(target, ok=False, error="invalid VAPID key")
    if vapid is None:
        return _not_configured
    return _WebPushSender(vapid, _setting("WEBPUSH_VAPID_SUBJECT"), session, sleep).send


class _WebPushSender:
    """Sends to browsers' push services (see the module docstring for the protocol)."""

    def __init__(self, vapid: Vapid02, subject: str, session: requests.Session, sleep: Sleep):
        self.vapid = vapid
        self.subject = subject
        self.session = session
        self.sleep = sleep
        self.timeout = float(_setting("PUSH_TIMEOUT"))
        self.max_wait = float(_setting("PUSH_RETRY_MAX_WAIT"))
        self._vapid_headers: dict[str, dict[str, str]] = {}  # by push service origin

    def vapid_headers(self, endpoint: str) -> dict[str, str]:
        """``Authorization: vapid t=<JWT>,k=<public key>`` for the endpoint's origin."""
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._vapid_headers:
            claims = {
                "aud": origin,
                "sub": self.subject,
                "exp": int(time.time()) + VAPID_JWT_LIFETIME,
            }
            self._vapid_headers[origin] = self.vapid.sign(claims)
        return dict(self._vapid_headers[origin])

    def send(self, target: PushTarget, payload: PushPayload) -> PushResult:
        problem = _endpoint_problem(target.token) or _subscription_problem(target)
        if problem:
            return PushResult(target, ok=False, gone=True, error=problem)
        data = json.dumps(
            {
                "title": _clip(payload.title, TITLE_MAX_CHARS),
                "body": _clip(payload.body, BODY_MAX_CHARS),
                "url": payload.url,
                "tag": payload.tag,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        try:
            headers = self.vapid_headers(target.token)
        except VapidException as exc:  # py_vapid refuses the claims (e.g. a bad subject)
            return PushResult(target, ok=False, error=f"VAPID signature failed: {exc}")
        headers["Urgency"] = "high" if payload.urgent else "normal"
        if _TOPIC.fullmatch(payload.tag):
            headers["Topic"] = payload.tag
        subscription = {
            "endpoint": target.token,
            "keys": {"p256dh": target.p256dh, "auth": target.auth},
        }
        for attempt in (1, 2):
            try:
                pusher = WebPusher(subscription, requests_session=self.session)
                response = pusher.send(
                    data,
                    headers,
                    ttl=_ttl(payload),
                    content_encoding="aes128gcm",
                    timeout=self.timeout,
                )
            except requests.Timeout:  # the message may have arrived: no retry
                return PushResult(target, ok=False, error="timeout")
            except requests.TooManyRedirects:
                return PushResult(target, ok=False, error="redirected")
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema,
            ):
                return PushResult(target, ok=False, gone=True, error="invalid endpoint")
            except requests.RequestException as exc:
                if attempt == 1:
                    self.sleep(WEB_RETRY_DEFAULT_WAIT)
                    continue
                return PushResult(target, ok=False, error=f"network error: {exc}")
            except (WebPushException, ECEException, ValueError) as exc:  # keys crypto refuses
                return PushResult(target, ok=False, gone=True, error=f"invalid subscription: {exc}")
            status = response.status_code
            if status in (200, 201, 202):
                return PushResult(target, ok=True)
            if status in (404, 410):
                return PushResult(target, ok=False, gone=True, error=f"HTTP {status}")
            if (status == 429 or status >= 500) and attempt == 1:
                wait = _retry_after(response)
                wait = WEB_RETRY_DEFAULT_WAIT if wait is None else wait
                if wait <= self.max_wait:
                    self.sleep(wait)
                    continue
            return PushResult(
                target, ok=False, error=f"HTTP {status} {response.text[:200]}".strip()
            )
        raise AssertionError("unreachable")  # pragma: no cover
