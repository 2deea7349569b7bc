"""Local stand-ins for the push providers (no internet in tests).

``FakeWebPushServer`` plays a browser vendor's push service (RFC 8030): it accepts
``POST /push/<id>``, checks the VAPID ``Authorization: vapid t=<JWT>, k=<key>`` header
(RFC 8292: ES256 signature made with ``k``, ``aud`` = this server's origin, ``exp``
within 24 hours, a ``sub``; ``k`` = the expected key when the server knows it), that
the body is ``aes128gcm``-encoded and a ``TTL`` is given, and records the encrypted
body and the headers. It answers 201, or what a test asked for one endpoint::

    fake_webpush.answer("phone", 429, 201)  # 429 first, then 201 (the last one stays)

``FakeFcmServer`` plays Google's OAuth 2 token endpoint (``POST /token``, JWT bearer
grant: the RS256 assertion is checked with the public key of the service account the
fixture generated) and FCM HTTP v1 (``POST /v1/projects/<id>/messages:send``: the
Bearer token must be one it issued and has not revoked). It records token requests and
messages, and answers 200 or, per registration token, 404 UNREGISTERED, 400
INVALID_ARGUMENT (registration token), 401, 429 (with ``Retry-After``), 500, 503, in
the error format of FCM.

Fixtures ``fake_webpush`` and ``fake_fcm`` start a server, point the settings at it
(fresh VAPID keys; a fresh service account whose ``token_uri`` is the fake; a short
``PUSH_TIMEOUT``) and clear the cache (where the access token is kept)::

    from tests.fakes.push import fake_fcm, fake_webpush  # noqa: F401 (or pytest_plugins)
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.cache import cache
from django.test import override_settings

from notifications.push import generate_vapid_keys

VAPID_SUBJECT = "mailto:push@voisinage.test"
FCM_PROJECT = "voisinage-test"
FCM_CLIENT_EMAIL = "push-sender@voisinage-test.iam.gserviceaccount.com"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwt_parts(token: str) -> tuple[dict, dict, bytes, bytes]:
    """(header, claims, signing input, signature) of a compact JWT; ValueError if bad."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        claims = json.loads(b64url_decode(claims_b64))
        signature = b64url_decode(signature_b64)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"malformed JWT: {exc}") from exc
    return header, claims, f"{header_b64}.{claims_b64}".encode(), signature


# --- Shared HTTP plumbing ---------------------------------------------------------


class _FakeServer:
    """An http.server on a free local port, in a thread; subclasses answer POSTs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def handle_post(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:  # pragma: no cover - interface
        raise NotImplementedError


def _handler_for(server: _FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            with server._lock:
                status, extra_headers, content = server.handle_post(self.path, headers, body)
            try:
                self.send_response(status)
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format, *args) -> None:  # quiet
            pass

    return Handler


def _json(status: int, payload: object, **headers: str) -> tuple[int, dict[str, str], bytes]:
    content = json.dumps(payload).encode()
    return status, {"Content-Type": "application/json; charset=UTF-8", **headers}, content


@dataclass
class _Answers:
    """Canned statuses for one endpoint or token: given in order, the last one stays."""

    statuses: list[int]
    retry_after: str | None = None

    def next(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


# --- Web Push ---------------------------------------------------------------------


@dataclass
class RecordedPush:
    push_id: str
    headers: dict[str, str]  # names in lower case
    body: bytes  # the encrypted body, as received
    claims: dict  # the VAPID JWT's claims ({} when unreadable)
    vapid_key: str  # the k= of the Authorization header
    status: int  # what the fake answered
    problem: str = ""  # why the request was refused (401/400), "" when well-formed


class FakeWebPushServer(_FakeServer):
    def __init__(self, vapid_public_key: str = "") -> None:
        super().__init__()
        self.vapid_public_key = vapid_public_key  # when set, k= must be this key
        self.vapid_private_key = ""  # the settings' key (set by the fixture)
        self.subject = VAPID_SUBJECT
        self.pushes: list[RecordedPush] = []
        self._answers: dict[str, _Answers] = {}
        self._ids = itertools.count(1)

    def endpoint(self, push_id: str) -> str:
        return f"{self.base_url}/push/{push_id}"

    def answer(self, push_id: str, *statuses: int, retry_after: str | None = None) -> None:
        """Answer ``push_id``'s requests with ``statuses`` in turn (the last one stays)."""
        self._answers[push_id] = _Answers(list(statuses), retry_after)

    def received(self, push_id: str) -> list[RecordedPush]:
        return [p for p in self.pushes if p.push_id == push_id]

    def handle_post(self, path, headers, body):
        match = re.fullmatch(r"/push/([\w-]+)", urlsplit(path).path)
        if not match:
            return _json(404, {"error": "unknown path"})
        push_id = match.group(1)
        claims, key, problem = self._check_vapid(headers.get("authorization", ""))
        if not problem:
            problem = self._check_message(headers, body)
        if problem:
            status, answer_headers = (401 if "vapid" in problem.lower() else 400), {}
        else:
            answers = self._answers.get(push_id)
            status = answers.next() if answers else 201
            answer_headers = {}
            if status == 201:
                answer_headers["Location"] = f"{self.base_url}/message/{next(self._ids)}"
            elif answers and answers.retry_after is not None:
                answer_headers["Retry-After"] = answers.retry_after
        self.pushes.append(RecordedPush(push_id, headers, body, claims, key, status, problem))
        return status, answer_headers, b""

    def _check_vapid(self, authorization: str) -> tuple[dict, str, str]:
        """(claims, key, problem): RFC 8292 §3, "vapid t=<JWT>, k=<P-256 point>"."""
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return {}, "", "VAPID: no 'vapid' Authorization"
        params = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part.strip())
        token, key = params.get("t", ""), params.get("k", "")
        try:
            header, claims, signing_input, signature = _jwt_parts(token)
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
        except ValueError as exc:
            return {}, key, f"VAPID: {exc}"
        if header.get("alg") != "ES256" or len(signature) != 64:
            return claims, key, "VAPID: not an ES256 JWT"
        try:
            public_key.verify(
                encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                ),
                signing_input,
                ec.ECDSA(hashes.SHA256()),
            )
        except InvalidSignature:
            return claims, key, "VAPID: bad signature"
        now = time.time()
        if self.vapid_public_key and key != self.vapid_public_key:
            return claims, key, "VAPID: unexpected key"
        if claims.get("aud") != self.base_url:
            return claims, key, f"VAPID: aud {claims.get('aud')!r} is not {self.base_url!r}"
        if not (now < int(claims.get("exp", 0)) <= now + 24 * 3600):
            return claims, key, "VAPID: exp not within 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            return claims, key, "VAPID: no sub"
        return claims, key, ""

    @staticmethod
    def _check_message(headers: dict[str, str], body: bytes) -> str:
        if not headers.get("ttl", "").isdigit():
            return "missing TTL"
        if body and headers.get("content-encoding") != "aes128gcm":
            return "Content-Encoding is not aes128gcm"
        if headers.get("urgency", "normal") not in ("very-low", "low", "normal", "high"):
            return "bad Urgency"
        return ""


# --- Google OAuth 2 + FCM HTTP v1 -------------------------------------------------


@dataclass
class RecordedTokenRequest:
    form: dict[str, str]
    claims: dict
    status: int
    problem: str = ""


@dataclass
class RecordedMessage:
    project: str
    headers: dict[str, str]  # names in lower case
    body: dict  # the JSON sent: {"message": {...}}
    status: int

    @property
    def message(self) -> dict:
        return self.body.get("message", {})

    @property
    def token(self) -> str:
        return self.message.get("token", "")


_FCM_ERRORS = {  # status: (error status, FCM errorCode, message)
    400: (
        "INVALID_ARGUMENT",
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
    ),
    401: (
        "UNAUTHENTICATED",
        "THIRD_PARTY_AUTH_ERROR",
        "Request had invalid authentication credentials.",
    ),
    404: ("NOT_FOUND", "UNREGISTERED", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded for sending messages."),
    500: ("INTERNAL", "INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."),
}


def fcm_error_body(status: int) -> dict:
    """An FCM v1 error body, as Google sends it."""
    error_status, error_code, message = _FCM_ERRORS[status]
    details: list[dict] = [
        {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": error_code}
    ]
    if status == 400:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [
                    {"field": "message.token", "description": "Invalid registration token"}
                ],
            }
        )
    return {
        "error": {"code": status, "message": message, "status": error_status, "details": details}
    }


class FakeFcmServer(_FakeServer):
    def __init__(self, public_key: rsa.RSAPublicKey | None = None) -> None:
        super().__init__()
        self.public_key = public_key  # the service account's key; None: not checked
        self.client_email = FCM_CLIENT_EMAIL
        self.project_id = FCM_PROJECT
        self.expires_in = 3599
        self.service_account: dict = {}  # the settings' FCM_SERVICE_ACCOUNT (fixture)
        self.token_requests: list[RecordedTokenRequest] = []
        self.messages: list[RecordedMessage] = []
        self.issued: list[str] = []
        self._valid: set[str] = set()
        self._answers: dict[str, _Answers] = {}
        self._ids = itertools.count(1)

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    def answer(self, token: str, *statuses: int, retry_after: str | None = None) -> None:
        """Answer messages to ``token`` with ``statuses`` in turn (the last one stays)."""
        self._answers[token] = _Answers(list(statuses), retry_after)

    def revoke_tokens(self) -> None:
        """Every access token issued so far is refused from now on (401)."""
        self._valid.clear()

    def messages_to(self, token: str) -> list[RecordedMessage]:
        return [m for m in self.messages if m.token == token]

    def handle_post(self, path, headers, body):
        path = urlsplit(path).path
        if path == "/token":
            return self._token(headers, body)
        match = re.fullmatch(r"/v1/projects/([\w-]+)/messages:send", path)
        if match:
            return self._send(match.group(1), headers, body)
        return _json(
            404, {"error": {"code": 404, "message": "unknown path", "status": "NOT_FOUND"}}
        )

    def _token(self, headers, body):
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        claims, problem = {}, ""
        if headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
            problem = "not a form"
        elif form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            problem = "unsupported grant_type"
        else:
            claims, problem = self._check_assertion(form.get("assertion", ""))
        if problem:
            self.token_requests.append(RecordedTokenRequest(form, claims, 400, problem))
            return _json(400, {"error": "invalid_grant", "error_description": problem})
        access_token = f"ya29.fake-access-token-{next(self._ids)}"
        self.issued.append(access_token)
        self._valid.add(access_token)
        self.token_requests.append(RecordedTokenRequest(form, claims, 200))
        return _json(
            200,
            {"access_token": access_token, "expires_in": self.expires_in, "token_type": "Bearer"},
        )

    def _check_assertion(self, assertion: str) -> tuple[dict, str]:
        try:
            header, claims, signing_input, signature = _jwt_parts(assertion)
        except ValueError as exc:
            return {}, str(exc)
        if header.get("alg") != "RS256":
            return claims, "not RS256"
        if self.public_key is not None:
            try:
                self.public_key.verify(
                    signature, signing_input, padding.PKCS1v15(), hashes.SHA256()
                )
            except InvalidSignature:
                return claims, "Invalid JWT Signature."
        now = time.time()
        if claims.get("iss") != self.client_email:
            return claims, "unknown iss"
        if FCM_SCOPE not in str(claims.get("scope", "")).split():
            return claims, "scope lacks firebase.messaging"
        if claims.get("aud") != self.token_uri:
            return claims, "aud is not the token endpoint"
        iat, exp = int(claims.get("iat", 0)), int(claims.get("exp", 0))
        if not (iat - 60 <= now < exp) or exp - iat > 3600:
            return (
                claims,
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe",
            )
        return claims, ""

    def _send(self, project, headers, body):
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        bearer = headers.get("authorization", "")
        if project != self.project_id:
            status = 404
        elif not bearer.startswith("Bearer ") or bearer[7:] not in self._valid:
            status = 401
        elif not isinstance(payload.get("message"), dict) or not payload["message"].get("token"):
            status = 400
        else:
            answers = self._answers.get(payload["message"]["token"])
            status = answers.next() if answers else 200
        self.messages.append(RecordedMessage(project, headers, payload, status))
        if status == 200:
            return _json(200, {"name": f"projects/{project}/messages/{next(self._ids)}"})
        answers = self._answers.get(payload.get("message", {}).get("token", ""))
        extra = {}
        if status in (429, 503) and answers and answers.retry_after is not None:
            extra["Retry-After"] = answers.retry_after
        return _json(status, fcm_error_body(status), **extra)


def service_account(server: FakeFcmServer, key: rsa.RSAPrivateKey) -> dict:
    """A service account key file (as Google issues them) whose token_uri is the fake."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": server.project_id,
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": pem,
        "client_email": server.client_email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": server.token_uri,
    }


# --- Fixtures -----------------------------------------------------------------------


@contextlib.contextmanager
def fake_webpush_server() -> Iterator[FakeWebPushServer]:
    """The push service, fresh VAPID keys in the settings, a clean cache."""
    private_key, public_key = generate_vapid_keys()
    server = FakeWebPushServer(vapid_public_key=public_key).start()
    server.vapid_private_key = private_key
    server.subject = VAPID_SUBJECT
    cache.clear()
    try:
        with override_settings(
            WEBPUSH_VAPID_PRIVATE_KEY=private_key,
            WEBPUSH_VAPID_SUBJECT=VAPID_SUBJECT,
            WEBPUSH_ALLOW_INSECURE_ENDPOINTS=True,
            PUSH_TIMEOUT=2,
        ):
            yield server
    finally:
        cache.clear()
        server.stop()


@contextlib.contextmanager
def fake_fcm_server() -> Iterator[FakeFcmServer]:
    """Token endpoint + FCM, a fresh service account in the settings, a clean cache."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = FakeFcmServer(public_key=key.public_key()).start()
    server.service_account = service_account(server, key)
    cache.clear()
    try:
        with override_settings(
            FCM_SERVICE_ACCOUNT=server.service_account,
            FCM_BASE_URL=server.base_url,
            PUSH_TIMEOUT=2,
        ):
            yield server
    finally:
        cache.clear()
        server.stop()


@pytest.fixture
def fake_webpush() -> Iterator[FakeWebPushServer]:
    with fake_webpush_server() as server:
        yield server


@pytest.fixture
def fake_fcm() -> Iterator[FakeFcmServer]:
    with fake_fcm_server() as server:
        yield server
