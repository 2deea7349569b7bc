"""Test helpers for staff two-factor authentication (accounts.mfa).

Staff accounts reach the admin, the partner API (with a session) and every page
only once their session proved a second factor. In tests:

* ``verified_login(client, user)``: ``client.force_login(user)`` plus a real,
  confirmed TOTP device marked as verified in the session (what
  ``django_otp.login`` does after a right code). Works with Django's ``Client``
  and DRF's ``APIClient``. Returns the device.
* ``totp_code(device)``: a 6-digit code the server accepts now (never one
  already used: django-otp refuses a time step twice).
* ``browser_log_in(page, site_url, hostname, email, password, then="/admin/")``:
  the real login in Playwright, then the code from the person's device on the
  verification page (the device is created when missing), then ``then``.
"""

from __future__ import annotations

import re
import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user) -> TOTPDevice:
    """The user's confirmed TOTP device, created (random secret) when missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    return device


def verify_session(client, device) -> None:
    """Mark the client's session as verified by ``device`` (as ``django_otp.login`` does)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def verified_login(client, user) -> TOTPDevice:
    """Log ``user`` in on ``client`` with a verified second factor; returns the device."""
    client.force_login(user)
    device = confirmed_device(user)
    verify_session(client, device)
    return device


def code_at_step(device, step: int) -> str:
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def totp_code(device, *, now: float | None = None) -> str:
    """A code the device accepts now: inside its tolerance window, after its last used step.

    Waits for the next time step when the window has no unused step left.
    """
    device.refresh_from_db()
    while True:
        current = int(((now or time.time()) - device.t0) // device.step) + device.drift
        # The current step or the next one: both stay accepted if the clock ticks meanwhile.
        step = max(device.last_t + 1, current)
        if step <= current + device.tolerance:
            return code_at_step(device, step)
        time.sleep(0.5)
        now = None


def wrong_code(device) -> str:
    """A 6-digit code outside the device's tolerance window (never accepted now)."""
    current = int((time.time() - device.t0) // device.step) + device.drift
    accepted = {code_at_step(device, current + offset) for offset in range(-3, 4)}
    candidate = 0
    while f"{candidate:06d}" in accepted:
        candidate += 1
    return f"{candidate:06d}"


def browser_log_in(
    page, site_url, hostname: str, email: str, password: str, *, user=None, then: str | None = None
):
    """Log in in the browser and give the second factor; returns the TOTP device.

    ``user`` (the account behind ``email``) gets a confirmed device when it has none;
    ``then`` is a path to open once verified (``"/admin/"``).
    """
    from django.contrib.auth import get_user_model

    from tests.e2e.conftest import log_in

    user = user or get_user_model().objects.get(email=email)
    device = confirmed_device(user)
    log_in(page, site_url, hostname, email, password)
    page.wait_for_url(re.compile(r"/compte/double-authentification/verifier/"))
    page.locator("input[name=code]").fill(totp_code(device))
    page.get_by_role("button", name=re.compile(r"^(Vérifier|Verify)$")).click()
    page.wait_for_url(lambda url: "/double-authentification/" not in url)
    if then:
        page.goto(site_url(hostname, then))
    return device
