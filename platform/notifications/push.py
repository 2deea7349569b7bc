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

import base64
import email.utils
import functools
import hashlib
import ipaddress
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core.cache import cache
from http_ece import ECEException
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher, WebPushException

from notifications import push_settings

logger = logging.getLogger(__name__)

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


# --- Public API ------------------------------------------------------------------


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


# --- Shared helpers ---------------------------------------------------------------


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


# --- Web Push --------------------------------------------------------------------


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


# --- Firebase Cloud Messaging ----------------------------------------------------


@dataclass(frozen=True)
class ServiceAccount:
    """The fields of a Google service account key file that FCM needs."""

    project_id: str
    client_email: str
    private_key: str  # PEM (PKCS#8 RSA)
    private_key_id: str = ""
    token_uri: str = GOOGLE_TOKEN_URI

    @classmethod
    def from_setting(cls, value) -> ServiceAccount | None:
        """``FCM_SERVICE_ACCOUNT``: a dict, the JSON text, or the path of the JSON file."""
        if not value:
            return None
        if isinstance(value, Mapping):
            data = dict(value)
        elif isinstance(value, str | os.PathLike):
            text = str(value).strip()
            if not text.startswith("{"):
                text = Path(text).read_text(encoding="utf-8")
            data = json.loads(text)
        else:
            raise ValueError("FCM_SERVICE_ACCOUNT must be a dict, JSON text or a file path")
        missing = [k for k in ("project_id", "client_email", "private_key") if not data.get(k)]
        if missing:
            raise ValueError(f"FCM_SERVICE_ACCOUNT lacks {', '.join(missing)}")
        return cls(
            project_id=data["project_id"],
            client_email=data["client_email"],
            private_key=data["private_key"],
            private_key_id=data.get("private_key_id", ""),
            token_uri=data.get("token_uri") or GOOGLE_TOKEN_URI,
        )

    @property
    def cache_key(self) -> str:
        digest = hashlib.sha256(
            f"{self.client_email}|{self.token_uri}|{self.private_key_id}".encode()
        ).hexdigest()
        return f"notifications:push:fcm-access-token:{digest[:32]}"

    def assertion(self, now: int | None = None) -> str:
        """The signed JWT (RS256) exchanged for an access token (valid one hour)."""
        now = int(time.time()) if now is None else now
        header = {"alg": "RS256", "typ": "JWT"}
        if self.private_key_id:
            header["kid"] = self.private_key_id
        claims = {
            "iss": self.client_email,
            "scope": FCM_SCOPE,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + 3600,
        }
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = _rsa_key(self.private_key).sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{_b64url(signature)}"


@functools.lru_cache(maxsize=4)
def _rsa_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.replace("\\n", "\n").encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the service account key must be an RSA key")
    return key


class _AuthError(Exception):
    """No access token could be obtained from the token endpoint."""


def fcm_message(token: str, payload: PushPayload, *, now: int | None = None) -> dict:
    """The FCM v1 ``message`` for one registration token (Android and iOS blocks)."""
    now = int(time.time()) if now is None else now
    ttl = _ttl(payload)
    title, body = _clip(payload.title, TITLE_MAX_CHARS), _clip(payload.body, BODY_MAX_CHARS)
    android: dict = {"priority": "HIGH" if payload.urgent else "NORMAL", "ttl": f"{ttl}s"}
    apns_headers = {
        "apns-priority": "10" if payload.urgent else "5",
        "apns-expiration": str(now + ttl),
    }
    aps: dict = {
        "alert": {"title": title, "body": body},
        "sound": "default",
        "interruption-level": "time-sensitive" if payload.urgent else "active",
    }
    if payload.tag:
        android["collapse_key"] = payload.tag
        android["notification"] = {"tag": payload.tag}
        apns_headers["apns-collapse-id"] = payload.tag[:64]
        aps["thread-id"] = payload.tag
    return {
        "token": token,
        "notification": {"title": title, "body": body},
        "data": {"url": payload.url, "tag": payload.tag},
        "android": android,
        "apns": {"headers": apns_headers, "payload": {"aps": aps}},
    }


def _fcm_sender(session: requests.Session, sleep: Sleep):
    try:
        account = ServiceAccount.from_setting(_setting("FCM_SERVICE_ACCOUNT"))
    except (OSError, ValueError) as exc:
        logger.error("FCM disabled: FCM_SERVICE_ACCOUNT is unusable: %s", exc)
        return lambda target, payload: PushResult(target, ok=False, error="invalid FCM account")
    if account is None:
        return _not_configured
    return _FcmSender(account, session, sleep).send


class _FcmSender:
    """Sends to FCM HTTP v1 (see the module docstring for the protocol)."""

    def __init__(self, account: ServiceAccount, session: requests.Session, sleep: Sleep):
        self.account = account
        self.session = session
        self.sleep = sleep
        self.timeout = float(_setting("PUSH_TIMEOUT"))
        self.max_retries = int(_setting("PUSH_MAX_RETRIES"))
        self.max_wait = float(_setting("PUSH_RETRY_MAX_WAIT"))
        base = str(_setting("FCM_BASE_URL")).rstrip("/")
        self.url = f"{base}/v1/projects/{account.project_id}/messages:send"
        self._token = ""
        self._refreshed = False  # a 401 refreshes the access token once per call
        self._auth_error = ""  # once the token endpoint fails, the call's app targets fail

    def access_token(self, *, refresh: bool = False) -> str:
        """The cached OAuth 2 access token, or a new one from the token endpoint."""
        if refresh:
            cache.delete(self.account.cache_key)
        elif self._token:
            return self._token
        else:
            self._token = cache.get(self.account.cache_key) or ""
            if self._token:
                return self._token
        try:
            response = self.session.post(
                self.account.token_uri,
                data={"grant_type": JWT_BEARER_GRANT, "assertion": self.account.assertion()},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except (ValueError, UnsupportedAlgorithm) as exc:  # the PEM cannot be read
            raise _AuthError(f"invalid service account key: {exc}") from exc
        except requests.RequestException as exc:
            raise _AuthError(f"token request failed: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not answer.get("access_token"):
            problem = answer.get("error_description") or answer.get("error") or response.reason
            raise _AuthError(f"token endpoint answered {response.status_code}: {problem}")
        self._token = str(answer["access_token"])
        lifetime = int(answer.get("expires_in", 3600)) - ACCESS_TOKEN_MARGIN
        if lifetime > 0:
            cache.set(self.account.cache_key, self._token, lifetime)
        return self._token

    def send(self, target: PushTarget, payload: PushPayload) -> PushResult:
        if self._auth_error:
            return PushResult(target, ok=False, error=self._auth_error)
        body = {"message": fcm_message(target.token, payload)}
        retries = 0
        while True:
            try:
                token = self.access_token()
            except _AuthError as exc:
                self._auth_error = f"FCM authentication: {exc}"
                logger.error("%s", self._auth_error)
                return PushResult(target, ok=False, error=self._auth_error)
            try:
                response = self.session.post(
                    self.url,
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout:
                return PushResult(target, ok=False, error="timeout")
            except requests.RequestException as exc:
                response, problem = None, f"network error: {exc}"
            else:
                problem = ""
            if response is not None:
                status = response.status_code
                if status == 200:
                    return PushResult(target, ok=True)
                if status == 401 and not self._refreshed:
                    self._refreshed = True
                    self._token = ""
                    try:
                        self.access_token(refresh=True)
                    except _AuthError as exc:
                        self._auth_error = f"FCM authentication: {exc}"
                        return PushResult(target, ok=False, error=self._auth_error)
                    continue
                error_status, error_code, message, about_token = _fcm_error(response)
                problem = " ".join(
                    part for part in (f"HTTP {status}", error_code or error_status, message) if part
                )
                if _fcm_gone(status, error_status, error_code, about_token):
                    return PushResult(target, ok=False, gone=True, error=problem)
                if status not in (429, 503):
                    return PushResult(target, ok=False, error=problem)
            if retries >= self.max_retries:
                return PushResult(target, ok=False, error=problem)
            wait = _retry_after(response) if response is not None else None
            if wait is None:
                wait = FCM_BACKOFF_BASE * 2**retries
            if wait > self.max_wait:
                return PushResult(target, ok=False, error=f"{problem} (retry after {wait:.0f} s)")
            self.sleep(wait)
            retries += 1


def _fcm_error(response: requests.Response) -> tuple[str, str, str, bool]:
    """(status, FCM errorCode, message, whether it names the token) of an error body.

    FCM answers ``{"error": {"code", "message", "status", "details": [{"@type":
    "…FcmError", "errorCode": "UNREGISTERED"}, {"@type": "…BadRequest",
    "fieldViolations": [{"field": "message.token", …}]}]}}``.
    """
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return "", "", response.text[:200], False
    if not isinstance(error, dict):
        return "", "", str(error)[:200], False
    status, message, code = str(error.get("status", "")), str(error.get("message", "")), ""
    about_token = "registration token" in message.lower()
    for detail in error.get("details") or []:
        if not isinstance(detail, dict):
            continue
        code = code or str(detail.get("errorCode", ""))
        for violation in detail.get("fieldViolations") or []:
            if isinstance(violation, dict) and violation.get("field") == "message.token":
                about_token = True
    return status, code, message[:200], about_token


def _fcm_gone(status: int, error_status: str, error_code: str, about_token: bool) -> bool:
    if error_code == "UNREGISTERED" or (status == 404 and error_status == "NOT_FOUND"):
        return True
    invalid = "INVALID_ARGUMENT" in (error_status, error_code)
    return status == 400 and invalid and about_token
