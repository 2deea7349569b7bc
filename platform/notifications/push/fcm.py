"""Firebase Cloud Messaging HTTP v1 for the Android and iOS apps (a service account's JWT)."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.cache import cache

from notifications.push.common import (
    ACCESS_TOKEN_MARGIN,
    BODY_MAX_CHARS,
    FCM_BACKOFF_BASE,
    FCM_SCOPE,
    GOOGLE_TOKEN_URI,
    JWT_BEARER_GRANT,
    TITLE_MAX_CHARS,
    PushPayload,
    PushResult,
    PushTarget,
    Sleep,
    _b64url,
    _clip,
    _not_configured,
    _retry_after,
    _setting,
    _ttl,
)

logger = logging.getLogger("notifications.push")


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
