"""A local stand-in for Mailgun's messages API, to send through anymail's real backend.

``FakeMailgun`` answers ``POST /v3/<domain>/messages`` like Mailgun (200 with an id),
checks the API key (HTTP Basic ``api:<key>``) and records each request's form fields,
url-encoded or multipart (a field sent several times, like ``to``, keeps every value).
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

API_KEY = "key-test-mailgun"
DOMAIN = "mg.voisinage.test"


class FakeMailgun:
    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v3"


def _fields(content_type: str, body: bytes) -> dict[str, list[str]]:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return parse_qs(body.decode("utf-8"), keep_blank_values=True)
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, list[str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename():
            continue
        payload = part.get_payload(decode=True) or b""
        fields.setdefault(name, []).append(payload.decode("utf-8"))
    return fields


def _handler(fake: FakeMailgun):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            expected = "Basic " + base64.b64encode(f"api:{API_KEY}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._answer(401, {"message": "Invalid private key"})
                return
            if self.path != f"/v3/{DOMAIN}/messages":
                self._answer(404, {"message": "Domain not found"})
                return
            fake.requests.append(_fields(self.headers["Content-Type"], body))
            self._answer(200, {"id": f"<{len(fake.requests)}@{DOMAIN}>", "message": "Queued."})

        def _answer(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # quiet
            pass

    return Handler


@contextlib.contextmanager
def fake_mailgun_server():
    fake = FakeMailgun()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
