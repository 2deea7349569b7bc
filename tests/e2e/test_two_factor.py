"""Issue 4 in a real browser: a staff member's first login sets up an authenticator app,
shows the recovery codes once and reaches the Wagtail admin; the next login asks a code.

The test reads the secret off the setup page, as a person typing it into an app would,
and computes the code from it. Locators accept the French wording and the English
source text.
"""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import browser_log_in, wrong_code

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


def words(*alternatives: str) -> re.Pattern:
    return re.compile("|".join(alternatives), re.IGNORECASE)


def test_staff_enrols_then_reaches_the_wagtail_admin(page, site_url, live_server, commune):
    editor = UserFactory(email="anne@saint-malo.example.org", first_name="Anne")
    editor.groups.add(commune.editors_group)

    # The admin sends to our login page, then to the setup page.
    page.goto(site_url(HOST, "/admin/"))
    page.wait_for_url(re.compile(r"/compte/connexion/\?next=(/|%2F)admin(/|%2F)$"))
    page.get_by_label("Adresse électronique").fill(editor.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/compte/double-authentification/activer/\?next="))
    assert page.locator(".mfa-qr svg").is_visible()

    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    code = f"{totp(base64.b32decode(secret + '=' * (-len(secret) % 8))):06d}"
    code_input = page.locator("input[name=code]")
    assert code_input.get_attribute("inputmode") == "numeric"
    assert code_input.get_attribute("autocomplete") == "one-time-code"
    code_input.fill(code)
    page.get_by_role("button", name=words("Activer", "Turn on")).click()

    codes = page.locator(".mfa-codes li")
    codes.first.wait_for()
    assert codes.count() == 10
    assert TOTPDevice.objects.get(user=editor).confirmed
    page.get_by_role("link", name=words("continuer", "continue")).click()
    page.wait_for_url(site_url(HOST, "/admin/"))
    assert page.locator("body#wagtail").count() == 1  # Wagtail's admin, not a login page

    # A new browser session: password, then a code from the same app.
    page.context.clear_cookies()
    browser_log_in(page, site_url, HOST, editor.email, PASSWORD, user=editor, then="/admin/")
    page.wait_for_url(site_url(HOST, "/admin/"))
    assert page.locator("body#wagtail").count() == 1


def test_a_wrong_code_is_refused_in_the_browser(page, site_url, live_server, commune):
    editor = UserFactory(email="yann@saint-malo.example.org")
    editor.groups.add(commune.editors_group)
    device = TOTPDevice.objects.create(user=editor, name="app", confirmed=True)

    log_in(page, site_url, HOST, editor.email, PASSWORD)
    page.wait_for_url(re.compile(r"/compte/double-authentification/verifier/"))
    page.locator("input[name=code]").fill(wrong_code(device))
    page.get_by_role("button", name=re.compile(r"^(Vérifier|Verify)$")).click()
    page.locator(".errorlist").first.wait_for()
    assert "/double-authentification/verifier/" in page.url
    page.goto(site_url(HOST, "/admin/"))
    assert "/double-authentification/verifier/" in page.url
