"""A non-production configuration cannot send a real e-mail or SMS (NOT-4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications.sms import get_backend

ROOT = Path(__file__).resolve().parents[3]

REAL = {
    "EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend",
    "SMS_BACKEND": "notifications.sms_http.RoutingSmsBackend",
    "ANYMAIL_MAILGUN_API_KEY": "key-real",
    "SMS_ORANGE_CLIENT_ID": "real",
    "NOTIFICATIONS_EMAIL_MERGE_FIELD": "%recipient.{}%",
}


@pytest.mark.parametrize("module", ["config.settings.demo", "config.settings.test"])
def test_demo_and_test_settings_ignore_real_providers_in_the_environment(module):
    code = (
        "import json; from django.conf import settings;"
        "print(json.dumps([settings.EMAIL_BACKEND, settings.SMS_BACKEND, settings.REAL_SENDING,"
        " settings.ANYMAIL, settings.NOTIFICATIONS_EMAIL_MERGE_FIELD]))"
    )
    env = {**os.environ, **REAL, "DJANGO_SETTINGS_MODULE": module}
    env.pop("DATABASE_URL", None) if module.endswith("demo") else None
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path[:0] = ['platform', '.']; import django; django.setup(); {code}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    email, sms, real, anymail, merge = json.loads(out.stdout.strip().splitlines()[-1])
    assert email in {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    }
    assert sms in {"notifications.sms.ConsoleSmsBackend", "notifications.sms.LocmemSmsBackend"}
    assert real is False and anymail == {} and merge == ""


@pytest.mark.parametrize(
    "backend",
    [
        "notifications.sms_http.RoutingSmsBackend",
        "notifications.sms_http.OrangeSmsBackend",
        "notifications.sms_http.OvhSmsBackend",
        "notifications.sms_http.TwilioSmsBackend",
    ],
)
def test_the_sms_channel_refuses_a_real_provider_outside_production(settings, backend):
    settings.SMS_BACKEND = backend
    with pytest.raises(ImproperlyConfigured, match="production"):
        get_backend()
    settings.REAL_SENDING = True  # production: past the guard (credentials are checked next)
    try:
        assert type(get_backend()).__name__ == backend.rsplit(".", 1)[1]
    except ImproperlyConfigured as exc:
        assert "production" not in str(exc)
