"""The push channel (notifications.push) through its real client code, against local fakes.

Nothing here reaches the internet or the database: ``tests.fakes.push`` plays a browser
vendor's push service and Google's token endpoint + FCM HTTP v1 on 127.0.0.1; waits
before retries go to a list instead of being slept.
"""

from __future__ import annotations

import base64
import io
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import http_ece
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings as django_settings
from django.core.management import call_command

from notifications.push import (
    PushPayload,
    PushResult,
    PushTarget,
    generate_vapid_keys,
    send_push,
    vapid_public_key,
    web_subscription_problem,
)
from tests.fakes import push as fakes

# The fake providers' fixtures (tests.fakes.push), for this module.
fake_webpush = fakes.fake_webpush
fake_fcm = fakes.fake_fcm

THEME_STATIC = Path(django_settings.BASE_DIR) / "themes" / "default" / "static" / "notifications"
NEWS = PushPayload(
    title="Marché de Noël",
    body="Le marché de Noël ouvre samedi place de l'Église, de 10 h à 19 h.",
    url="https://saint-malo.example.fr/actualites/marche-de-noel/",
    tag="news-42",
)
ALERT = PushPayload(
    title="Alerte inondation",
    body="Crue de la Rance : évitez les quais jusqu'à 18 h.",
    url="https://saint-malo.example.fr/alertes/7/",
    tag="alert-7",
    urgent=True,
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Browser:
    """A browser's push subscription: its ECDH P-256 key pair and auth secret."""

    target: PushTarget
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    def decrypt(self, body: bytes) -> dict:
        plaintext = http_ece.decrypt(
            body,
            private_key=self.private_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        return json.loads(plaintext)


def subscribe(server: fakes.FakeWebPushServer, push_id: str) -> Browser:
    private_key = ec.generate_private_key(ec.SECP256R1())
    auth_secret = os.urandom(16)
    p256dh = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    target = PushTarget("web", server.endpoint(push_id), b64url(p256dh), b64url(auth_secret))
    return Browser(target, private_key, auth_secret)


def app(platform: str, token: str) -> PushTarget:
    return PushTarget(platform, token)


# --- Web Push ---------------------------------------------------------------------


def test_web_push_is_encrypted_for_the_browser(fake_webpush, settings):
    settings.PUSH_TTL = 86400
    browser = subscribe(fake_webpush, "phone")

    results = send_push([browser.target], NEWS)

    assert results == [PushResult(browser.target, ok=True)]
    [push] = fake_webpush.received("phone")
    assert push.problem == "" and push.status == 201
    assert push.headers["content-encoding"] == "aes128gcm"
    assert push.headers["ttl"] == "86400"
    assert push.headers["urgency"] == "normal"
    assert push.headers["topic"] == "news-42"
    assert push.headers["authorization"].startswith("vapid t=")
    assert push.vapid_key == fake_webpush.vapid_public_key == vapid_public_key()
    assert push.claims["aud"] == fake_webpush.base_url
    assert push.claims["sub"] == "mailto:push@voisinage.test"
    assert browser.decrypt(push.body) == {
        "title": "Marché de Noël",
        "body": "Le marché de Noël ouvre samedi place de l'Église, de 10 h à 19 h.",
        "url": "https://saint-malo.example.fr/actualites/marche-de-noel/",
        "tag": "news-42",
    }


def test_an_alert_is_high_urgency_with_a_short_ttl(fake_webpush, settings):
    settings.PUSH_URGENT_TTL = 900
    browser = subscribe(fake_webpush, "phone")

    [result] = send_push([browser.target], ALERT)

    assert result.ok
    [push] = fake_webpush.received("phone")
    assert push.headers["urgency"] == "high"
    assert push.headers["ttl"] == "900"
    assert browser.decrypt(push.body)["title"] == "Alerte inondation"


@pytest.mark.parametrize("status", [404, 410])
def test_an_expired_subscription_is_gone(fake_webpush, status):
    browser = subscribe(fake_webpush, "old")
    fake_webpush.answer("old", status)

    [result] = send_push([browser.target], NEWS)

    assert result == PushResult(browser.target, ok=False, gone=True, error=f"HTTP {status}")
    assert len(fake_webpush.received("old")) == 1


def test_web_push_retries_once_after_429_honouring_retry_after(fake_webpush):
    browser = subscribe(fake_webpush, "busy")
    fake_webpush.answer("busy", 429, 201, retry_after="3")
    sleeps: list[float] = []

    [result] = send_push([browser.target], NEWS, sleep=sleeps.append)

    assert result.ok
    assert sleeps == [3.0]
    assert [p.status for p in fake_webpush.received("busy")] == [429, 201]


def test_web_push_gives_up_after_one_retry(fake_webpush):
    browser = subscribe(fake_webpush, "down")
    fake_webpush.answer("down", 500)
    sleeps: list[float] = []

    [result] = send_push([browser.target], NEWS, sleep=sleeps.append)

    assert not result.ok and not result.gone
    assert result.error.startswith("HTTP 500")
    assert sleeps == [1.0]
    assert len(fake_webpush.received("down")) == 2


def test_a_push_service_refusing_the_vapid_key_is_an_error(fake_webpush, settings):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = generate_vapid_keys()[0]  # not the expected one
    browser = subscribe(fake_webpush, "phone")

    [result] = send_push([browser.target], NEWS)

    assert not result.ok and not result.gone
    assert result.error.startswith("HTTP 401")
    assert fake_webpush.received("phone")[0].problem == "VAPID: unexpected key"


def test_an_unreachable_push_service_is_retried_once(fake_webpush):
    browser = subscribe(fake_webpush, "phone")
    target = PushTarget(
        "web", "http://127.0.0.1:9/push/phone", browser.target.p256dh, browser.target.auth
    )
    sleeps: list[float] = []

    [result] = send_push([target], NEWS, sleep=sleeps.append)

    assert not result.ok and not result.gone
    assert result.error.startswith("network error")
    assert sleeps == [1.0]


def test_web_push_not_configured_sends_nothing(fake_webpush, settings):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    browser = subscribe(fake_webpush, "phone")

    assert send_push([browser.target], NEWS) == [
        PushResult(browser.target, ok=False, error="not configured")
    ]
    assert fake_webpush.pushes == []
    assert vapid_public_key() == ""


def test_an_endpoint_on_a_private_address_is_refused(fake_webpush, settings):
    settings.WEBPUSH_ALLOW_INSECURE_ENDPOINTS = False
    browser = subscribe(fake_webpush, "phone")

    [result] = send_push([browser.target], NEWS)

    assert result == PushResult(browser.target, ok=False, gone=True, error="invalid endpoint")
    assert fake_webpush.pushes == []


def test_web_subscription_problem(settings):
    settings.WEBPUSH_ALLOW_INSECURE_ENDPOINTS = False
    point = ec.generate_private_key(ec.SECP256R1()).public_key()
    p256dh = b64url(
        point.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    auth = b64url(os.urandom(16))
    good = "https://fcm.googleapis.com/fcm/send/dXk6Ym9uam91cg"
    assert web_subscription_problem(good, p256dh, auth) == ""
    for endpoint in (
        "http://fcm.googleapis.com/fcm/send/x",
        "https://127.0.0.1/push",
        "https://[::1]/push",
        "https://localhost/push",
        "file:///etc/passwd",
        "",
    ):
        assert web_subscription_problem(endpoint, p256dh, auth) == "invalid endpoint", endpoint
    assert web_subscription_problem(good, p256dh[:-4], auth) == "invalid subscription keys"
    assert web_subscription_problem(good, p256dh, b64url(b"short")) == "invalid subscription keys"
    assert web_subscription_problem(good, "not base64!", auth) == "invalid subscription keys"


def test_a_pem_vapid_key_is_accepted(fake_webpush, settings):
    raw = base64.urlsafe_b64decode(fake_webpush.vapid_private_key + "=")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = pem.replace("\n", "\\n")  # as in an env file
    browser = subscribe(fake_webpush, "phone")

    assert vapid_public_key() == fake_webpush.vapid_public_key
    assert send_push([browser.target], NEWS)[0].ok
    assert fake_webpush.received("phone")[0].problem == ""


def test_generated_vapid_keys_work_as_settings(fake_webpush, settings):
    out = io.StringIO()
    call_command(
        "generate_vapid_keys", "--subject", "mailto:mairie@saint-malo.example.fr", stdout=out
    )
    values = dict(
        line.lstrip("# ").split("=", 1) for line in out.getvalue().splitlines() if "=" in line
    )
    settings.WEBPUSH_VAPID_PRIVATE_KEY = values["WEBPUSH_VAPID_PRIVATE_KEY"]
    settings.WEBPUSH_VAPID_SUBJECT = values["WEBPUSH_VAPID_SUBJECT"]
    fake_webpush.vapid_public_key = values["WEBPUSH_VAPID_PUBLIC_KEY"]
    assert vapid_public_key() == values["WEBPUSH_VAPID_PUBLIC_KEY"]
    assert len(base64.urlsafe_b64decode(vapid_public_key() + "=")) == 65
    browser = subscribe(fake_webpush, "phone")

    assert send_push([browser.target], NEWS)[0].ok
    [push] = fake_webpush.received("phone")
    assert push.problem == ""
    assert push.claims["sub"] == "mailto:mairie@saint-malo.example.fr"
    assert browser.decrypt(push.body)["tag"] == "news-42"


# --- FCM ----------------------------------------------------------------------------


def test_fcm_message_for_android_and_ios(fake_fcm, settings):
    settings.PUSH_URGENT_TTL = 900
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        results = send_push([app("android", "tok-android"), app("ios", "tok-ios")], ALERT)

    assert [r.ok for r in results] == [True, True]
    [token_request] = fake_fcm.token_requests
    assert token_request.status == 200
    assert token_request.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert token_request.claims == {
        "iss": fake_fcm.client_email,
        "scope": "https://www.googleapis.com/auth/firebase.messaging",
        "aud": fake_fcm.token_uri,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 3600,
    }
    android, ios = fake_fcm.messages
    assert android.headers["authorization"] == f"Bearer {fake_fcm.issued[0]}"
    assert ios.headers["authorization"] == f"Bearer {fake_fcm.issued[0]}"
    assert android.project == "voisinage-test"
    assert android.body == {
        "message": {
            "token": "tok-android",
            "notification": {
                "title": "Alerte inondation",
                "body": "Crue de la Rance : évitez les quais jusqu'à 18 h.",
            },
            "data": {"url": "https://saint-malo.example.fr/alertes/7/", "tag": "alert-7"},
            "android": {
                "priority": "HIGH",
                "ttl": "900s",
                "collapse_key": "alert-7",
                "notification": {"tag": "alert-7"},
            },
            "apns": {
                "headers": {
                    "apns-priority": "10",
                    "apns-expiration": str(int(now.timestamp()) + 900),
                    "apns-collapse-id": "alert-7",
                },
                "payload": {
                    "aps": {
                        "alert": {
                            "title": "Alerte inondation",
                            "body": "Crue de la Rance : évitez les quais jusqu'à 18 h.",
                        },
                        "sound": "default",
                        "interruption-level": "time-sensitive",
                        "thread-id": "alert-7",
                    }
                },
            },
        }
    }
    assert ios.message == {**android.message, "token": "tok-ios"}


def test_fcm_normal_priority_without_tag(fake_fcm):
    [result] = send_push([app("android", "tok")], PushPayload(title="Bonjour", body="Hello"))

    assert result.ok
    message = fake_fcm.messages[0].message
    assert message["android"]["priority"] == "NORMAL"
    assert "collapse_key" not in message["android"]
    assert message["apns"]["headers"]["apns-priority"] == "5"
    assert "apns-collapse-id" not in message["apns"]["headers"]
    assert message["apns"]["payload"]["aps"]["interruption-level"] == "active"
    assert message["data"] == {"url": "", "tag": ""}


def test_fcm_access_token_is_cached_across_sends(fake_fcm):
    assert send_push([app("android", "a")], NEWS)[0].ok
    assert send_push([app("ios", "b")], NEWS)[0].ok

    assert len(fake_fcm.token_requests) == 1
    assert [m.headers["authorization"] for m in fake_fcm.messages] == [
        f"Bearer {fake_fcm.issued[0]}"
    ] * 2


def test_fcm_refreshes_a_refused_token_once(fake_fcm):
    assert send_push([app("android", "a")], NEWS)[0].ok
    fake_fcm.revoke_tokens()  # e.g. the key was rotated at Google

    [result] = send_push([app("android", "a")], NEWS)

    assert result.ok
    assert len(fake_fcm.token_requests) == 2
    assert [m.status for m in fake_fcm.messages] == [200, 401, 200]
    assert fake_fcm.messages[-1].headers["authorization"] == f"Bearer {fake_fcm.issued[1]}"


def test_fcm_does_not_loop_on_401(fake_fcm):
    fake_fcm.answer("a", 401)

    results = send_push([app("android", "a"), app("ios", "b")], NEWS)

    assert not results[0].ok and not results[0].gone
    assert results[0].error.startswith("HTTP 401")
    assert results[1].ok
    assert len(fake_fcm.token_requests) == 2  # the first token, one refresh


@pytest.mark.parametrize("status", [404, 400])
def test_fcm_unregistered_or_invalid_token_is_gone(fake_fcm, status):
    fake_fcm.answer("old", status)

    [result] = send_push([app("ios", "old")], NEWS)

    assert result.gone and not result.ok
    assert ("UNREGISTERED" if status == 404 else "INVALID_ARGUMENT") in result.error
    assert len(fake_fcm.messages) == 1


def test_fcm_500_is_an_error_without_retry(fake_fcm):
    fake_fcm.answer("tok", 500)
    sleeps: list[float] = []

    [result] = send_push([app("android", "tok")], NEWS, sleep=sleeps.append)

    assert not result.ok and not result.gone
    assert result.error.startswith("HTTP 500 INTERNAL")
    assert sleeps == []


def test_fcm_429_waits_for_retry_after(fake_fcm):
    fake_fcm.answer("tok", 429, 200, retry_after="7")
    sleeps: list[float] = []

    [result] = send_push([app("android", "tok")], NEWS, sleep=sleeps.append)

    assert result.ok
    assert sleeps == [7.0]
    assert [m.status for m in fake_fcm.messages] == [429, 200]


def test_fcm_503_backs_off_then_gives_up(fake_fcm, settings):
    settings.PUSH_MAX_RETRIES = 2
    fake_fcm.answer("tok", 503)
    sleeps: list[float] = []

    [result] = send_push([app("ios", "tok")], NEWS, sleep=sleeps.append)

    assert not result.ok and not result.gone
    assert result.error.startswith("HTTP 503")
    assert sleeps == [1.0, 2.0]
    assert len(fake_fcm.messages) == 3


def test_fcm_does_not_wait_longer_than_allowed(fake_fcm, settings):
    settings.PUSH_RETRY_MAX_WAIT = 30
    fake_fcm.answer("tok", 429, retry_after="3600")
    sleeps: list[float] = []

    [result] = send_push([app("android", "tok")], NEWS, sleep=sleeps.append)

    assert not result.ok
    assert "retry after 3600 s" in result.error
    assert sleeps == []
    assert len(fake_fcm.messages) == 1


def test_fcm_refused_credentials_fail_every_app_target_once(fake_fcm, settings):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.FCM_SERVICE_ACCOUNT = fakes.service_account(fake_fcm, other_key)

    results = send_push([app("android", "a"), app("ios", "b")], NEWS)

    assert [r.ok for r in results] == [False, False]
    assert all("Invalid JWT Signature" in r.error for r in results)
    assert len(fake_fcm.token_requests) == 1
    assert fake_fcm.messages == []


@pytest.mark.parametrize("form", ["path", "json"])
def test_fcm_service_account_from_a_file_or_json_text(fake_fcm, settings, tmp_path, form):
    text = json.dumps(fake_fcm.service_account)
    if form == "path":
        path = tmp_path / "service-account.json"
        path.write_text(text)
        settings.FCM_SERVICE_ACCOUNT = str(path)
    else:
        settings.FCM_SERVICE_ACCOUNT = text

    assert send_push([app("android", "a")], NEWS)[0].ok


def test_fcm_not_configured_sends_nothing(fake_fcm, settings):
    settings.FCM_SERVICE_ACCOUNT = None

    assert send_push([app("ios", "a")], NEWS) == [
        PushResult(app("ios", "a"), ok=False, error="not configured")
    ]
    assert fake_fcm.token_requests == [] and fake_fcm.messages == []


# --- Both ---------------------------------------------------------------------------


def test_results_follow_the_order_of_a_mixed_list(fake_webpush, fake_fcm):
    phone = subscribe(fake_webpush, "phone")
    laptop = subscribe(fake_webpush, "laptop")
    fake_webpush.answer("laptop", 410)
    fake_fcm.answer("old-ios", 404)
    targets = [
        app("android", "pixel"),
        phone.target,
        app("ios", "old-ios"),
        laptop.target,
        PushTarget("fax", "0299000000"),
        app("ios", "iphone"),
    ]

    results = send_push(targets, ALERT)

    assert [r.target for r in results] == targets
    assert [(r.ok, r.gone) for r in results] == [
        (True, False),
        (True, False),
        (False, True),
        (False, True),
        (False, False),
        (True, False),
    ]
    assert results[4].error == "unknown platform 'fax'"
    assert [m.token for m in fake_fcm.messages] == ["pixel", "old-ios", "iphone"]
    assert phone.decrypt(fake_webpush.received("phone")[0].body)["title"] == "Alerte inondation"


def test_no_targets_no_requests():
    assert send_push([], NEWS) == []


# --- Front end ----------------------------------------------------------------------


def test_service_worker_and_subscribe_script_exist():
    sw = (THEME_STATIC / "sw.js").read_text()
    script = (THEME_STATIC / "push.js").read_text()
    assert 'addEventListener("push"' in sw
    assert 'addEventListener("notificationclick"' in sw
    assert "showNotification" in sw
    assert "data-push-subscribe" in script
    assert "PushManager" in script
    assert "X-CSRFToken" in script
