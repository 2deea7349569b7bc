"""Local stand-ins for the SMS providers (no internet in tests).

Three ``http.server`` fakes on 127.0.0.1 (a free port each, in a thread) that answer
like the real APIs, checking what the real ones check:

* ``FakeOrange``: ``POST /oauth/v3/token`` (HTTP Basic with the client id and secret,
  ``grant_type=client_credentials``; ``expires_in`` as a string, as Orange sends it)
  and ``POST /smsmessaging/v1/outbound/tel%3A%2B{sender}/requests`` (a bearer token it
  issued and has not expired; 201 with a ``resourceURL``; ``SVC0004`` for a number in
  ``invalid_numbers``). ``expire_tokens()`` makes every issued token answer 401, the
  way Orange answers an expired one.
* ``FakeOvh``: ``GET /1.0/auth/time`` (its clock runs ``skew`` seconds ahead of ours)
  and ``POST /1.0/sms/{service}/jobs``, which checks the application and consumer
  keys, the timestamp (400 ``QUERY_TIME_OUT`` when more than 30 s off its clock) and
  the signature over the exact URL and body received (403 ``INVALID_SIGNATURE``),
  then answers with ``ids``, ``validReceivers`` and ``invalidReceivers``.
* ``FakeTwilio``: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (HTTP Basic with the
  SID and auth token, else 401 code 20003; 400 code 21211 quoting the number, as Twilio
  does, for a number in ``invalid_numbers``; 201 with an ``SM…`` sid).

Every request is recorded (``server.requests``: method, path with its raw query,
headers in lower case, raw body, parsed form or JSON). ``server.fail_next(count,
status, ...)`` makes the next ``count`` requests (optionally only those whose path
contains ``path``) answer ``status`` with a body in the provider's style, or drop the
connection without answering (``drop=True``), or answer late (``delay``).

The fixtures ``fake_orange``, ``fake_ovh`` and ``fake_twilio`` start a server, point the
provider's settings at it (``override_settings``: credentials, ``BASE_URL``, a short
``SMS_TIMEOUT``, ``SMS_MAX_ATTEMPTS=3``), clear the cache (tokens, OVH's clock offset)
and replace the backends' ``sleep`` by ``server.sleeps.append`` so retries never
really wait and tests can read the delays::

    from tests.fakes import sms as fakes

    fake_orange = fakes.fake_orange  # the fixture, in this module (or pytest_plugins)

    def test_something(fake_orange):
        OrangeSmsBackend().send_messages([...])
        assert fake_orange.requests[-1].json["outboundSMSMessageRequest"]["address"] == ...
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import pytest
from django.core.cache import cache
from django.test import override_settings

from notifications.sms_http import HttpSmsBackend

E164 = re.compile(r"\+[1-9]\d{7,14}")


@dataclass
class RecordedRequest:
    method: str
    path: str  # as received: percent-encoding and query string kept
    headers: dict[str, str]  # names in lower case
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None

    @property
    def route(self) -> str:
        """The path without its query string, still percent-encoded."""
        return self.path.split("?", 1)[0]

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password

    @property
    def bearer(self) -> str:
        header = self.headers.get("authorization", "")
        return header[7:] if header.startswith("Bearer ") else ""


@dataclass
class Failure:
    status: int = 500
    body: Any = None  # None: the provider's usual body for that status
    drop: bool = False  # close the connection without answering
    delay: float = 0.0  # seconds before answering (a timeout when > SMS_TIMEOUT)
    path: str = ""  # only requests whose path contains this
    headers: dict[str, str] = field(default_factory=dict)


class FakeSmsServer:
    """What the three fakes share: the HTTP server, the record, the failures."""

    name = "fake"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.sleeps: list[float] = []
        self.failures: list[Failure] = []
        self.invalid_numbers: set[str] = set()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- life cycle
    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self) -> dict:  # pragma: no cover - per provider
        raise NotImplementedError

    # --- test controls
    def fail_next(
        self,
        count: int = 1,
        status: int = 500,
        *,
        body: Any = None,
        drop: bool = False,
        delay: float = 0.0,
        path: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next ``count`` matching requests fail (then the server answers normally)."""
        for _ in range(count):
            self.failures.append(Failure(status, body, drop, delay, path, dict(headers or {})))

    def requests_to(self, fragment: str) -> list[RecordedRequest]:
        return [r for r in self.requests if fragment in r.route]

    def _take_failure(self, path: str) -> Failure | None:
        with self._lock:
            for index, failure in enumerate(self.failures):
                if failure.path in path:
                    return self.failures.pop(index)
        return None

    # --- answers
    def answer(self, request: RecordedRequest) -> tuple[int, Any]:  # pragma: no cover
        raise NotImplementedError

    def error_body(self, status: int) -> Any:
        return {"message": f"HTTP {status}"}


def _handler_for(server: FakeSmsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = RecordedRequest(self.command, self.path, headers, body)
            content_type = headers.get("content-type", "")
            if "application/x-www-form-urlencoded" in content_type:
                request.form = dict(parse_qsl(body.decode(), keep_blank_values=True))
            elif "json" in content_type and body:
                with contextlib.suppress(ValueError):
                    request.json = json.loads(body)
            with server._lock:
                server.requests.append(request)
            failure = server._take_failure(self.path)
            if failure is not None:
                if failure.delay:
                    server._released.wait(failure.delay)
                if failure.drop:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)  # socket.SHUT_RDWR
                    return
                payload = (
                    server.error_body(failure.status) if failure.body is None else failure.body
                )
                self._send(failure.status, payload, failure.headers)
                return
            status, payload = server.answer(request)
            self._send(status, payload)

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format, *args) -> None:  # quiet
            pass

    return Handler


# --- Orange ---------------------------------------------------------------------------


class FakeOrange(FakeSmsServer):
    name = "orange"
    client_id = "orange-client-id"
    client_secret = "orange-client-secret"
    sender = "2250000"

    def __init__(self) -> None:
        super().__init__()
        self.tokens: dict[str, float] = {}  # token -> when it expires (time.time())
        self.token_lifetime = 3600
        self._serial = itertools.count(1)

    def settings(self) -> dict:
        return {
            "SMS_ORANGE": {
                "CLIENT_ID": self.client_id,
                "CLIENT_SECRET": self.client_secret,
                "SENDER": self.sender,
                "SENDER_NAME": "Voisinage",
                "BASE_URL": self.base_url,
            }
        }

    @property
    def send_path(self) -> str:
        return f"/smsmessaging/v1/outbound/{quote('tel:+' + self.sender, safe='')}/requests"

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on, as an expired one is."""
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    def error_body(self, status: int) -> Any:
        if status == 401:
            return {
                "code": 42,
                "message": "Expired credentials",
                "description": "The requested service needs credentials, "
                "and the ones provided were out-of-date.",
            }
        if status == 400:
            return _orange_service_exception("SVC0002", "Invalid input value", "message")
        return {"code": 5000 + status, "message": "Internal error", "description": f"{status}"}

    def answer(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.method == "POST" and request.route == "/oauth/v3/token":
            return self._token(request)
        if request.method == "POST" and request.route == self.send_path:
            return self._send(request)
        return 404, {"code": 60, "message": "Resource not found"}

    def _token(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.basic_auth != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client", "error_description": "Invalid credentials"}
        if request.form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        token = f"orange-token-{next(self._serial)}"
        self.tokens[token] = time.time() + self.token_lifetime
        return 200, {
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": str(self.token_lifetime),
        }

    def _send(self, request: RecordedRequest) -> tuple[int, Any]:
        if self.tokens.get(request.bearer, 0.0) <= time.time():
            return 401, self.error_body(401)
        outbound = (request.json or {}).get("outboundSMSMessageRequest")
        if not isinstance(outbound, dict) or "outboundSMSTextMessage" not in outbound:
            return 400, _orange_service_exception("SVC0002", "Invalid input value", "body")
        if outbound.get("senderAddress") != f"tel:+{self.sender}":
            return 400, _orange_service_exception("SVC0002", "Invalid input value", "sender")
        address = str(outbound.get("address", ""))
        number = address.removeprefix("tel:")
        if not address.startswith("tel:") or not E164.fullmatch(number):
            return 400, _orange_service_exception(
                "SVC0004", "No valid addresses provided in message part %1", address
            )
        if number in self.invalid_numbers:
            return 400, _orange_service_exception(
                "SVC0004", "No valid addresses provided in message part %1", address
            )
        request_id = uuid.uuid4().hex
        return 201, {
            "outboundSMSMessageRequest": {
                **outbound,
                "address": [address],
                "resourceURL": f"{self.base_url}{self.send_path}/{request_id}",
            }
        }


def _orange_service_exception(message_id: str, text: str, variables: str) -> dict:
    return {
        "requestError": {
            "serviceException": {"messageId": message_id, "text": text, "variables": variables}
        }
    }


# --- OVH ------------------------------------------------------------------------------


class FakeOvh(FakeSmsServer):
    name = "ovh"
    application_key = "ovh-app-key"
    application_secret = "ovh-app-secret"
    consumer_key = "ovh-consumer-key"
    service_name = "sms-ab12345-1"
    sender = "Voisinage"

    def __init__(self) -> None:
        super().__init__()
        self.skew = 1234  # OVH's clock, ahead of ours: proves the offset is used
        self.tolerance = 30
        self._ids = itertools.count(10_000_001)

    def settings(self) -> dict:
        return {
            "SMS_OVH": {
                "APPLICATION_KEY": self.application_key,
                "APPLICATION_SECRET": self.application_secret,
                "CONSUMER_KEY": self.consumer_key,
                "SERVICE_NAME": self.service_name,
                "SENDER": self.sender,
                "NO_STOP_CLAUSE": True,
                "BASE_URL": self.base_url,
            }
        }

    def now(self) -> int:
        return int(time.time()) + self.skew

    def expected_signature(self, request: RecordedRequest) -> str:
        """What OVH computes: over the URL it was called at and the raw body."""
        parts = (
            self.application_secret,
            self.consumer_key,
            request.method,
            self.base_url + request.path,
            request.body.decode(),
            request.headers.get("x-ovh-timestamp", ""),
        )
        return "$1$" + hashlib.sha1("+".join(parts).encode()).hexdigest()

    def error_body(self, status: int) -> Any:
        names = {400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests"}
        return {
            "class": "Server::InternalServerError" if status >= 500 else "Client::Error",
            "message": names.get(status, "Internal server error"),
        }

    def answer(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.method == "GET" and request.route == "/1.0/auth/time":
            return 200, self.now()
        jobs = f"/1.0/sms/{self.service_name}/jobs"
        if request.route.startswith("/1.0/sms/") and request.route.endswith("/jobs"):
            if request.route != jobs:
                return 404, {"message": f"The requested object ({unquote(request.route)}) "}
            return self._jobs(request)
        return 404, {"message": "Got an invalid (or empty) URL"}

    def _jobs(self, request: RecordedRequest) -> tuple[int, Any]:
        headers = request.headers
        if headers.get("x-ovh-application") != self.application_key:
            return 403, {"errorCode": "INVALID_KEY", "message": "Invalid application key"}
        if headers.get("x-ovh-consumer") != self.consumer_key:
            return 403, {"errorCode": "INVALID_CREDENTIAL", "message": "Invalid credentials"}
        try:
            timestamp = int(headers.get("x-ovh-timestamp", ""))
        except ValueError:
            return 400, {"errorCode": "QUERY_TIME_OUT", "message": "Query out of time"}
        if abs(timestamp - self.now()) > self.tolerance:
            return 400, {"errorCode": "QUERY_TIME_OUT", "message": "Query out of time"}
        if headers.get("x-ovh-signature") != self.expected_signature(request):
            return 403, {"errorCode": "INVALID_SIGNATURE", "message": "Invalid signature"}
        job = request.json
        if not isinstance(job, dict) or not job.get("message") or not job.get("receivers"):
            return 400, {"message": "Invalid body"}
        valid, invalid = [], []
        for receiver in job["receivers"]:
            bad = not E164.fullmatch(str(receiver)) or receiver in self.invalid_numbers
            (invalid if bad else valid).append(receiver)
        return 200, {
            "totalCreditsRemoved": len(valid),
            "invalidReceivers": invalid,
            "ids": [next(self._ids) for _ in valid],
            "validReceivers": valid,
            "tag": "",
        }


# --- Twilio ---------------------------------------------------------------------------


class FakeTwilio(FakeSmsServer):
    name = "twilio"
    account_sid = "AC" + "0" * 30 + "1"
    auth_token = "twilio-auth-token"
    from_number = "+15005550006"

    def settings(self) -> dict:
        return {
            "SMS_TWILIO": {
                "ACCOUNT_SID": self.account_sid,
                "AUTH_TOKEN": self.auth_token,
                "FROM": self.from_number,
                "STATUS_CALLBACK": "https://voisinage.example/sms/twilio/status/",
                "BASE_URL": self.base_url,
            }
        }

    @property
    def messages_path(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def error_body(self, status: int) -> Any:
        codes = {429: (20429, "Too Many Requests"), 401: (20003, "Authenticate")}
        code, message = codes.get(status, (20500, "Internal Server Error"))
        return {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    def answer(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.method != "POST" or request.route != self.messages_path:
            return 404, {"code": 20404, "message": "The requested resource was not found"}
        if request.basic_auth != (self.account_sid, self.auth_token):
            return 401, self.error_body(401)
        form = request.form
        to = form.get("To", "")
        if not form.get("Body"):
            return 400, {"code": 21602, "message": "Message body is required.", "status": 400}
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return 400, {"code": 21603, "message": "A 'From' phone number is required."}
        if not E164.fullmatch(to) or to in self.invalid_numbers:
            return 400, {
                "code": 21211,
                "message": f"The 'To' number {to} is not a valid phone number.",
                "more_info": "https://www.twilio.com/docs/errors/21211",
                "status": 400,
            }
        return 201, {
            "sid": "SM" + uuid.uuid4().hex,
            "account_sid": self.account_sid,
            "to": to,
            "from": form.get("From"),
            "body": form["Body"],
            "status": "queued",
        }


# --- Fixtures -------------------------------------------------------------------------


@contextlib.contextmanager
def running(server: FakeSmsServer) -> Iterator[FakeSmsServer]:
    """``server`` started, the settings pointing at it, no real waiting, a clean cache."""
    server.start()
    saved_sleep = HttpSmsBackend.__dict__["sleep"]
    HttpSmsBackend.sleep = staticmethod(server.sleeps.append)
    cache.clear()
    try:
        with override_settings(SMS_TIMEOUT=2.0, SMS_MAX_ATTEMPTS=3, **server.settings()):
            yield server
    finally:
        HttpSmsBackend.sleep = saved_sleep
        cache.clear()
        server.stop()


@pytest.fixture
def fake_orange() -> Iterator[FakeOrange]:
    with running(FakeOrange()) as server:
        yield server


@pytest.fixture
def fake_ovh() -> Iterator[FakeOvh]:
    with running(FakeOvh()) as server:
        yield server


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with running(FakeTwilio()) as server:
        yield server
