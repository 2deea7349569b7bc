"""What Web Push and FCM share: targets, payloads, results, constants and helpers."""

from __future__ import annotations

import base64
import email.utils
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from notifications import push_settings

logger = logging.getLogger("notifications.push")


WEB = "web"
ANDROID = "android"
IOS = "ios"
APP_PLATFORMS = frozenset({ANDROID, IOS})

NOT_CONFIGURED = "not configured"

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ACCESS_TOKEN_MARGIN = 300  # seconds before expiry when a cached access token is dropped
VAPID_JWT_LIFETIME = 12 * 3600  # RFC 8292: at most 24 hours
WEB_RETRY_DEFAULT_WAIT = 1.0  # seconds before the Web Push retry without Retry-After
FCM_BACKOFF_BASE = 1.0  # seconds; doubled at each FCM retry without Retry-After
TITLE_MAX_CHARS = 200  # both providers cap a message at 4 KB
BODY_MAX_CHARS = 1000
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 §5.4: base64url, 32 characters


@dataclass(frozen=True)
class PushTarget:
    """One device or browser a notification goes to."""

    platform: str  # "web" | "android" | "ios"
    token: str  # FCM registration token for apps; for web the subscription endpoint URL
    p256dh: str = ""  # web: the subscription's ECDH P-256 public key, base64url
    auth: str = ""  # web: the subscription's 16-byte authentication secret, base64url

    def __repr__(self) -> str:  # tokens are credentials of a sort: keep them out of logs
        return f"PushTarget(platform={self.platform!r}, token={_short(self.token)!r})"


@dataclass(frozen=True)
class PushPayload:
    """What the person sees; ``urgent`` marks alerts (high priority, short TTL)."""

    title: str
    body: str
    url: str = ""
    tag: str = ""  # notifications with the same tag replace each other
    urgent: bool = False


@dataclass(frozen=True)
class PushResult:
    target: PushTarget
    ok: bool
    gone: bool = False  # the device/subscription no longer exists → caller deactivates it
    error: str = ""


Sleep = Callable[[float], None]


def _setting(name: str):
    return getattr(settings, name, getattr(push_settings, name))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str | bytes) -> bytes:
    data = text.encode("ascii") if isinstance(text, str) else text
    data = data.strip().replace(b"+", b"-").replace(b"/", b"_").rstrip(b"=")
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def _public_key_b64(public_key: ec.EllipticCurvePublicKey) -> str:
    return _b64url(
        public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def _short(token: str) -> str:
    """A token or endpoint shortened for logs and reprs."""
    return token if len(token) <= 24 else f"{token[:20]}…"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ttl(payload: PushPayload) -> int:
    return int(_setting("PUSH_URGENT_TTL") if payload.urgent else _setting("PUSH_TTL"))


def _retry_after(response: requests.Response) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delay or HTTP date), if any."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _send_all(sender, indexed_targets, payload: PushPayload, results: list) -> None:
    for index, target in indexed_targets:
        result = sender(target, payload)
        if result.gone:
            logger.info("push: %r is gone (%s)", target, result.error)
        elif not result.ok:
            logger.warning("push: %r failed: %s", target, result.error)
        results[index] = result


def _not_configured(target: PushTarget, payload: PushPayload) -> PushResult:
    return PushResult(target, ok=False, error=NOT_CONFIGURED)
