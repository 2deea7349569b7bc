"""Staff two factors (issue 4, ASVS L2): TOTP set up at first login, verification, recovery
codes, enforcement on every page, the admin and the API, reset, audit log."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import mfa
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import confirmed_device, totp_code, verified_login, wrong_code

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:mfa_setup")
VERIFY = reverse("accounts:mfa_verify")
MANAGE = reverse("accounts:mfa_manage")
LOGOUT = reverse("accounts:logout")
TOKENS = reverse("api:v1:token-list")
PARTNER_COMMUNES = reverse("api:v1:partner-commune-list")
ADMIN = reverse("wagtailadmin_home")
CODE_RE = re.compile(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>")


def french(message: str) -> str:
    """A message as French visitors see it (English until the catalogue has it)."""
    with translation.override("fr"):
        return gettext(message)


def events(records) -> list[tuple[str, str]]:
    return [(r.auth_event["event"], r.auth_event["outcome"]) for r in records]


@pytest.fixture
def superuser(db):
    return UserFactory(email="root-2fa@example.org", is_superuser=True, is_staff=True)


@pytest.fixture
def partner_staff(partner):
    """A hosting partner's staff member who may open the Wagtail admin (as in the demo)."""
    from django.contrib.auth.models import Permission

    user = UserFactory(email="paul@hebergeur.example.org")
    partner.staff.add(user)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def town_hall_editor(commune):
    editor = UserFactory(email="anne@mairie.example.org")
    editor.groups.add(commune.editors_group)
    return editor


def logged_in(user) -> Client:
    """Password login only (the first factor), through the real login form."""
    client = Client()
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def unthrottle(device) -> None:
    """Forget the wait after a wrong code (django-otp's exponential back-off)."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


def set_up(client, user) -> list[str]:
    """The whole setup page: read the pending device, give its code, return the codes."""
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"code": totp_code(device), "next": ADMIN})
    assert response.status_code == 200
    return CODE_RE.findall(response.content.decode())


# --- throttling is on -------------------------------------------------------------------


def test_wrong_codes_are_throttled_by_django_otp(partner_staff):
    assert settings.OTP_TOTP_THROTTLE_FACTOR > 0
    assert settings.OTP_STATIC_THROTTLE_FACTOR > 0
    device = confirmed_device(partner_staff)
    assert device.throttling_enabled
    assert StaticDevice(user=partner_staff).throttling_enabled


# --- enforcement ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["superuser", "partner_staff", "town_hall_editor"])
def test_staff_without_device_is_sent_to_setup_from_everywhere(who, request, commune):
    user = request.getfixturevalue(who)
    client = Client()
    client.force_login(user)
    for path in (ADMIN, "/admin/pages/", "/", MANAGE):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{SETUP}?next={path.replace('/', '%2F')}", path
    assert client.get(SETUP).status_code == 200


def test_login_of_staff_goes_to_setup_then_to_the_admin(partner_staff):
    client = Client()
    response = client.post(
        f"{LOGIN}?next={ADMIN}", {"username": partner_staff.email, "password": PASSWORD}
    )
    assert response["Location"] == ADMIN
    response = client.get(ADMIN)
    assert response["Location"] == f"{SETUP}?next=%2Fadmin%2F"


def test_staff_with_device_is_sent_to_verification(partner_staff):
    confirmed_device(partner_staff)
    client = logged_in(partner_staff)
    response = client.get(ADMIN)
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    # The setup page cannot replace a device with a new one.
    assert client.get(SETUP)["Location"].startswith(VERIFY)


def test_partner_api_with_an_unverified_session_is_403_json(partner_staff, commune):
    client = APIClient()
    client.force_login(partner_staff)
    response = client.get(PARTNER_COMMUNES)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "two_factor_required"
    assert response.json()["detail"] == french(
        "Two-factor authentication is required for staff accounts: complete it on the web "
        "site (or use a device token issued with a two-factor code)."
    )
    verify_client = APIClient()
    verified_login(verify_client, partner_staff)
    assert verify_client.get(PARTNER_COMMUNES).status_code == 200


def test_a_device_token_is_not_blocked_by_the_session_check(partner_staff, commune):
    from accounts.models import DeviceToken

    _token, key = DeviceToken.issue(user=partner_staff, name="app")
    client = APIClient()
    client.force_login(partner_staff)  # an unverified session cookie as well
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(PARTNER_COMMUNES).status_code == 200


def test_unverified_staff_can_still_log_out_and_reach_static_and_health(partner_staff):
    client = logged_in(partner_staff)
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/jsi18n/").status_code == 200
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200
    assert favicon["Content-Type"] == "image/x-icon"
    assert client.get(f"{settings.STATIC_URL}themes/default/css/site.css").status_code != 302
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert not response["Location"].startswith(SETUP)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_resident_is_never_asked(resident, commune):
    client = Client(HTTP_HOST="saint-malo.localhost")
    client.force_login(resident)
    response = client.get("/")
    assert response.status_code == 200
    assert client.get(SETUP).status_code == 404
    assert client.get(VERIFY).status_code == 404
    assert client.get(MANAGE).status_code == 404
    assert not TOTPDevice.objects.filter(user=resident).exists()


def test_anyone_who_may_open_the_admin_needs_two_factors_there(db):
    from django.contrib.auth.models import Permission

    person = UserFactory()
    person.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.force_login(person)
    assert client.get(ADMIN)["Location"].startswith(SETUP)


def test_wagtail_login_page_sends_to_ours(client):
    response = client.get(reverse("wagtailadmin_login"), {"next": "/admin/pages/"})
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2Fpages%2F"
    response = client.get(reverse("wagtailadmin_login"), {"next": "https://evil.example/"})
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0] == f"{LOGIN}?next=%2Fadmin%2F"
    assert response.status_code == 200


def test_a_resident_typing_the_admin_address_lands_home_without_a_loop(resident):
    client = Client()
    client.force_login(resident)
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert len(response.redirect_chain) == 2
    assert response.status_code == 200


def test_unverified_staff_on_wagtails_login_page_go_on_to_verification(superuser):
    confirmed_device(superuser)
    client = logged_in(superuser)
    response = client.get(reverse("wagtailadmin_login"), {"next": "/admin/pages/"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2Fadmin%2Fpages%2F"


# --- setup ------------------------------------------------------------------------------


def test_setup_shows_a_qr_code_and_the_secret_of_a_pending_device(partner_staff):
    client = logged_in(partner_staff)
    response = client.get(SETUP)
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=partner_staff)
    assert not device.confirmed
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert f'data-secret="{secret}"' in html
    assert "<svg" in html and "otpauth" not in html  # the URI is in the QR code only
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert response["Cache-Control"].startswith("max-age=0")
    # Reloading keeps the same secret (the app may already have scanned it).
    assert f'data-secret="{secret}"' in client.get(SETUP).content.decode()
    assert TOTPDevice.objects.filter(user=partner_staff).count() == 1


def test_setup_refuses_a_wrong_code_then_confirms_with_the_right_one(partner_staff, auth_log):
    client = logged_in(partner_staff)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=partner_staff)

    response = client.post(SETUP, {"code": wrong_code(device), "next": ADMIN})
    assert response.status_code == 200
    assert (
        french("This code is wrong or has expired. Check that your phone is on time and try again.")
        in response.content.decode()
    )
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(ADMIN).status_code == 302

    unthrottle(device)
    response = client.post(SETUP, {"code": totp_code(device), "next": ADMIN})
    assert response.status_code == 200
    codes = CODE_RE.findall(response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert f'href="{ADMIN}"' in response.content.decode()
    assert client.get(ADMIN).status_code == 200
    assert ("otp_setup", "failure") in events(auth_log)
    assert ("otp_setup", "success") in events(auth_log)


def test_throttled_attempt_says_how_long_to_wait(partner_staff):
    client = logged_in(partner_staff)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=partner_staff)
    client.post(SETUP, {"code": wrong_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # As after three wrong codes in a row: 4 seconds to wait (1, 2, 4, 8…).
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=3, throttling_failure_timestamp=timezone.now()
    )
    response = client.post(SETUP, {"code": totp_code(device)})
    with translation.override("fr"):
        expected = {mfa.throttled_message(seconds) for seconds in (3, 4)}
    assert any(message in response.content.decode() for message in expected)
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    # A throttled attempt checks nothing and counts nothing.
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 3


def test_recovery_codes_are_shown_once_and_stored_as_digests(partner_staff):
    client = logged_in(partner_staff)
    codes = set_up(client, partner_staff)
    stored = set(
        StaticToken.objects.filter(device__user=partner_staff).values_list("token", flat=True)
    )
    assert len(stored) == 10
    assert not stored & {code for code in codes}
    assert not stored & {code.replace("-", "") for code in codes}
    # Never again: the setup page now leads to the management page, which shows a count.
    assert client.get(SETUP)["Location"] == MANAGE
    page = client.get(MANAGE).content.decode()
    assert not any(code in page for code in codes)
    assert "10" in page


# --- verification -----------------------------------------------------------------------


def test_verify_with_the_app_code_goes_to_next(partner_staff, auth_log):
    device = confirmed_device(partner_staff)
    client = logged_in(partner_staff)
    session_key = client.session.session_key
    response = client.post(VERIFY, {"code": wrong_code(device), "next": ADMIN})
    assert response.status_code == 200
    assert (
        french("This code is wrong or has expired. Check that your phone is on time and try again.")
        in response.content.decode()
    )
    unthrottle(device)
    response = client.post(VERIFY, {"code": totp_code(device), "next": ADMIN})
    assert response.status_code == 302
    assert response["Location"] == ADMIN
    assert client.session.session_key != session_key  # a new session id at the step up
    assert client.get(ADMIN).status_code == 200
    assert client.get(VERIFY)["Location"] == "/"
    assert events(auth_log)[-2:] == [("otp_verify", "failure"), ("otp_verify", "success")]


def test_a_code_cannot_be_used_twice(partner_staff):
    device = confirmed_device(partner_staff)
    code = totp_code(device)
    first = logged_in(partner_staff)
    assert first.post(VERIFY, {"code": code})["Location"] == "/"
    second = logged_in(partner_staff)
    assert second.post(VERIFY, {"code": code}).status_code == 200  # refused


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_next_never_leaves_the_site(partner_staff, next_url):
    device = confirmed_device(partner_staff)
    client = logged_in(partner_staff)
    response = client.post(VERIFY, {"code": totp_code(device), "next": next_url})
    assert response["Location"] == "/"


def test_each_recovery_code_works_once(partner_staff, auth_log):
    codes = set_up(logged_in(partner_staff), partner_staff)

    client = logged_in(partner_staff)
    response = client.post(VERIFY, {"recovery_code": codes[0].upper(), "next": ADMIN})
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200
    assert mfa.recovery_codes_left(partner_staff) == 9

    again = logged_in(partner_staff)
    response = again.post(VERIFY, {"recovery_code": codes[0], "next": ADMIN})
    assert response.status_code == 200
    assert (
        french("This recovery code is wrong or has already been used.") in response.content.decode()
    )
    assert again.get(ADMIN).status_code == 302

    unthrottle(StaticDevice.objects.get(user=partner_staff))
    response = again.post(VERIFY, {"recovery_code": codes[1].replace("-", " "), "next": ADMIN})
    assert response["Location"] == ADMIN
    assert ("otp_recovery_code", "success") in events(auth_log)
    assert ("otp_recovery_code", "failure") in events(auth_log)


def test_verification_pages_of_a_staff_member_without_device_lead_to_setup(partner_staff):
    client = logged_in(partner_staff)
    assert client.get(VERIFY)["Location"].startswith(SETUP)


# --- recovery codes page ----------------------------------------------------------------


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(partner_staff):
    client = logged_in(partner_staff)
    old = set_up(client, partner_staff)
    response = client.post(MANAGE, {"password": "not the password"})
    assert response.status_code == 200
    assert french("Wrong password.") in response.content.decode()
    assert mfa.recovery_codes_left(partner_staff) == 10

    response = client.post(MANAGE, {"password": PASSWORD})
    new = CODE_RE.findall(response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    fresh = logged_in(partner_staff)
    assert fresh.post(VERIFY, {"recovery_code": old[0]}).status_code == 200  # refused
    unthrottle(StaticDevice.objects.get(user=partner_staff))
    assert fresh.post(VERIFY, {"recovery_code": new[0]}).status_code == 302


# --- API tokens -------------------------------------------------------------------------


def token_request(user, **extra):
    data = {"email": user.email, "password": PASSWORD, "device_name": "Téléphone", **extra}
    return APIClient().post(TOKENS, data, format="json")


def test_api_token_for_staff_needs_a_two_factor_code(partner_staff, auth_log):
    device = confirmed_device(partner_staff)
    required = french("A two-factor code is required for staff accounts.")

    response = token_request(partner_staff)
    assert response.status_code == 400
    assert response.json()["otp_code"][0] == required

    response = token_request(partner_staff, otp_code=wrong_code(device))
    assert response.status_code == 400
    assert response.json()["otp_code"][0] == required

    unthrottle(device)
    code = totp_code(device)
    response = token_request(partner_staff, otp_code=code)
    assert response.status_code == 201, response.json()
    assert ("otp_verify", "success") in events(auth_log)
    assert code not in json.dumps([r.getMessage() for r in auth_log])


def test_api_token_for_staff_without_device_says_to_set_it_up(partner_staff):
    response = token_request(partner_staff, otp_code="123456")
    assert response.status_code == 400
    assert len(response.json()["otp_code"]) == 2


def test_api_token_for_staff_accepts_a_recovery_code(partner_staff):
    codes = set_up(logged_in(partner_staff), partner_staff)
    response = token_request(partner_staff, otp_code=codes[0])
    assert response.status_code == 201


def test_api_token_for_residents_needs_no_code(resident):
    assert token_request(resident).status_code == 201
    assert token_request(resident, otp_code="").status_code == 201


def test_openapi_documents_otp_code_as_optional():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    component = schema["components"]["schemas"]["TokenCreateInputRequest"]
    assert "otp_code" in component["properties"]
    assert "otp_code" not in component.get("required", [])
    assert component["properties"]["otp_code"]["description"]


# --- reset, demo, createsuperuser -------------------------------------------------------


def test_reset_command_removes_the_devices_and_the_verified_session(partner_staff, auth_log):
    client = logged_in(partner_staff)
    set_up(client, partner_staff)
    assert client.get(ADMIN).status_code == 200

    out = StringIO()
    call_command("reset_two_factor", partner_staff.email.upper(), stdout=out)
    assert partner_staff.email in out.getvalue()
    assert not TOTPDevice.objects.filter(user=partner_staff).exists()
    assert not StaticDevice.objects.filter(user=partner_staff).exists()
    assert client.get(ADMIN)["Location"].startswith(SETUP)
    assert ("otp_reset", "success") in events(auth_log)

    with pytest.raises(CommandError):
        call_command("reset_two_factor", "nobody@example.org", stdout=StringIO())


def test_demo_staff_get_the_documented_secret(db):
    from demo.management.commands.load_demo import DEMO_TOTP_COMMAND, DEMO_TOTP_SECRET

    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=StringIO())  # idempotent
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    for email in (
        "admin@voisinage.localhost",
        "hebergeur@voisinage.localhost",
        "mairie@saint-malo.localhost",
        "mairie@cocody.localhost",
    ):
        device = TOTPDevice.objects.get(user__email=email)
        assert device.confirmed and device.key == key
    assert not TOTPDevice.objects.filter(user__email="marie.durand@exemple.localhost").exists()
    assert DEMO_TOTP_SECRET in out.getvalue()
    assert DEMO_TOTP_COMMAND in out.getvalue()


def test_createsuperuser_mentions_the_second_factor(monkeypatch, db):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "un mot de passe solide 2026")
    out = StringIO()
    call_command(
        "createsuperuser",
        interactive=False,
        email="chef@example.org",
        first_name="Chef",
        last_name="Plateforme",
        stdout=out,
    )
    assert SETUP in out.getvalue()


# --- audit log --------------------------------------------------------------------------


def test_audit_log_records_events_without_codes_or_emails(partner_staff, auth_log):
    client = logged_in(partner_staff)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=partner_staff)
    bad = wrong_code(device)
    client.post(SETUP, {"code": bad})
    unthrottle(device)
    good = totp_code(device)
    response = client.post(SETUP, {"code": good})
    codes = CODE_RE.findall(response.content.decode())
    other = logged_in(partner_staff)
    other.post(VERIFY, {"recovery_code": codes[0]})

    otp_records = [r for r in auth_log if r.auth_event["event"].startswith("otp_")]
    assert [(r.auth_event["event"], r.auth_event["outcome"]) for r in otp_records] == [
        ("otp_setup", "failure"),
        ("otp_setup", "success"),
        ("otp_recovery_code", "success"),
    ]
    text = "\n".join(r.getMessage() for r in auth_log)
    for secret in (bad, good, *codes, partner_staff.email, mfa.totp_secret(device)):
        assert secret not in text
    assert all(r.auth_event["account"] for r in otp_records)


def test_wagtail_account_page_links_to_the_two_factor_page(superuser):
    client = Client()
    verified_login(client, superuser)
    response = client.get(reverse("wagtailadmin_account"))
    assert response.status_code == 200
    assert f'href="{MANAGE}"' in response.content.decode()
    assert client.get(MANAGE).status_code == 200
