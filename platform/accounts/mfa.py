"""Two factors for staff (OWASP ASVS L2, V2.7/V2.8): a TOTP app and recovery codes.

Every staff account (``accounts.staff.is_any_staff``: superusers, ``is_staff``,
platform staff, hosting-partner staff, commune staff), and anyone else who may
open the Wagtail admin, proves a second factor after the password, with
django-otp:

* a ``TOTPDevice`` (an authenticator app: 6 digits, 30 s) set up on
  ``accounts:mfa_setup`` with a QR code drawn here (segno, inline SVG) and the
  secret in text;
* a ``StaticDevice`` holding 10 single-use recovery codes, shown once. Its
  ``StaticToken`` rows keep a keyed digest of each code, never the code:
  a database dump does not give anyone a way in.

``StaffTwoFactorMiddleware`` (after django-otp's ``OTPMiddleware``) sends an
authenticated staff member whose session has no verified device to the setup or
verification page, and answers API requests made with such a session with a
403. Wrong codes are throttled by django-otp on each device (1, 2, 4, 8…
seconds between attempts: ``OTP_TOTP_THROTTLE_FACTOR``,
``OTP_STATIC_THROTTLE_FACTOR``). Successes and failures go to the
``voisinage.auth`` log (``accounts.audit``), never a code.
"""

from __future__ import annotations

import logging
import secrets
from base64 import b32encode
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.staff import is_any_staff

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10  # base32 characters: 50 random bits, shown as "abcde-fghij"
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
RECOVERY_DIGEST_SALT = "voisinage.accounts.mfa.recovery-code"
TOTP_DEVICE_NAME = "Authenticator app"
STATIC_DEVICE_NAME = "Recovery codes"
API_ERROR_CODE = "two_factor_required"


# --- who -------------------------------------------------------------------------------


def has_admin_access(user) -> bool:
    """Anyone who may open the Wagtail admin, whatever their role."""
    return user.has_perm("wagtailadmin.access_admin")


def needs_two_factor(user, *, admin: bool = True) -> bool:
    """Staff accounts, and (``admin``) anyone with access to the Wagtail admin.

    The admin check costs permission queries: the middleware asks it on admin
    pages only, so a resident's ordinary page pays for the staff check alone.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    return is_any_staff(user) or (admin and has_admin_access(user))


# --- devices ---------------------------------------------------------------------------


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device being set up: the same secret while the page is reloaded."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it by hand: base32, without padding."""
    return b32encode(device.bin_key).decode().rstrip("=")


def grouped(secret: str, size: int = 4) -> str:
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (drawn here: no external service)."""
    import segno

    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", svgclass="mfa-qr__code")


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- recovery codes --------------------------------------------------------------------


def normalise_code(value: str) -> str:
    return "".join(str(value or "").split()).replace("-", "").lower()


def _recovery_digests(code: str) -> list[str]:
    """Keyed digests of a recovery code: with SECRET_KEY, then each fallback key."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    normalised = normalise_code(code)
    # 16 hex characters: the length of StaticToken.token.
    return [
        salted_hmac(RECOVERY_DIGEST_SALT, normalised, secret=key, algorithm="sha256").hexdigest()[
            :16
        ]
        for key in keys
    ]


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def issue_recovery_codes(user) -> list[str]:
    """Replace every recovery code of ``user`` with 10 new ones; returns them (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=STATIC_DEVICE_NAME, confirmed=True)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_digests(code)[0]) for code in codes
    )
    return codes


# --- verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice | None = None
    method: str = ""  # "totp" or "recovery"
    wait_seconds: int = 0  # > 0: throttled, nothing was checked

    @property
    def ok(self) -> bool:
        return self.device is not None

    @property
    def throttled(self) -> bool:
        return self.wait_seconds > 0


def _throttle_wait(device) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return 0
    locked_until = (data or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))


def looks_like_totp(code: str, digits: int = 6) -> bool:
    return len(code) == digits and code.isascii() and code.isdigit()


def verify_code(user, code: str, *, device: TOTPDevice | None = None) -> Verification:
    """Check a 6-digit code (TOTP) or a recovery code for ``user``.

    ``device`` is the TOTP device to check (the one being set up); by default the
    user's confirmed device. Each device throttles its own wrong attempts; a
    recovery code is removed once used.
    """
    code = normalise_code(code)
    with transaction.atomic():
        if looks_like_totp(code):
            queryset = TOTPDevice.objects.select_for_update().filter(user=user)
            target = (
                queryset.filter(pk=device.pk).first()
                if device is not None
                else queryset.filter(confirmed=True).order_by("pk").first()
            )
            method = "totp"
            token = code
        elif device is None and code:
            target = (
                StaticDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
                .first()
            )
            method = "recovery"
            token = None
            if target is not None:
                digests = _recovery_digests(code)
                match = target.token_set.filter(token__in=digests).values_list("token", flat=True)
                token = match.first() or digests[0]
        else:
            return Verification()
        if target is None:
            return Verification(method=method)
        wait = _throttle_wait(target)
        if wait:
            return Verification(method=method, wait_seconds=wait)
        if target.verify_token(token):
            return Verification(device=target, method=method)
        return Verification(method=method)


def confirm_device(request, device: TOTPDevice) -> list[str]:
    """The first right code was given: confirm the app, issue recovery codes, log in."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user_id, confirmed=False).delete()
        codes = issue_recovery_codes(device.user)
    mark_verified(request, device)
    return codes


def mark_verified(request, device) -> None:
    """The session proved its second factor: new session key, device remembered."""
    import django_otp

    request.session.cycle_key()  # a new session identifier at each step up (ASVS 3.2.1)
    django_otp.login(request, device)


@transaction.atomic
def reset_two_factor(user) -> int:
    """Remove every device of ``user`` (app and recovery codes); they set up again."""
    count = 0
    for model in (TOTPDevice, StaticDevice):
        deleted, _ = model.objects.filter(user=user).delete()
        count += deleted
    return count


def log(event: str, outcome: str, *, user=None, request=None, level=logging.INFO) -> None:
    email = user.get_username() if user is not None else None
    audit.log_event(event, outcome, email=email, request=request, level=level)


# --- redirects -------------------------------------------------------------------------


def safe_next(request, value: str | None, default: str | None = None) -> str:
    """``value`` if it points to this site, else ``default`` (LOGIN_REDIRECT_URL)."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def two_factor_url(user, next_url: str | None = None) -> str:
    """Where an unverified staff member goes: setup without a device, verification with one."""
    name = "accounts:mfa_verify" if has_confirmed_device(user) else "accounts:mfa_setup"
    return with_next(reverse(name), next_url)


def throttled_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(seconds)s second and try again.",
        "Too many wrong codes. Wait %(seconds)s seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def api_message() -> str:
    return gettext(
        "Two-factor authentication is required for staff accounts: complete it on the web "
        "site (or use a device token issued with a two-factor code)."
    )


# --- enforcement -----------------------------------------------------------------------


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@lru_cache(maxsize=1)
def _exempt_paths() -> tuple[frozenset[str], tuple[str, ...]]:
    exact = {
        _reverse_or_none(name)
        for name in (
            "accounts:mfa_setup",
            "accounts:mfa_verify",
            "accounts:logout",
            "wagtailadmin_logout",
            "javascript-catalog",
            "set_language",
            "healthz",
            "cookies",
            "favicon",  # browsers ask for it on every page, the halfway one too
        )
    }
    prefixes = tuple(
        prefix
        for prefix in (settings.STATIC_URL, settings.MEDIA_URL, _reverse_or_none("set_language"))
        if prefix and prefix.startswith("/") and prefix != "/"
    )
    return frozenset(path for path in exact if path), prefixes


def is_exempt(path: str) -> bool:
    exact, prefixes = _exempt_paths()
    return path in exact or path.startswith(prefixes)


@lru_cache(maxsize=1)
def _wagtail_login_path() -> str | None:
    return _reverse_or_none("wagtailadmin_login")


@lru_cache(maxsize=1)
def _admin_prefix() -> str:
    return _reverse_or_none("wagtailadmin_home") or "/admin/"


def _token_authorization(request) -> bool:
    """An ``Authorization: Token …`` header: DRF authenticates the request by its token."""
    return request.headers.get("Authorization", "").split(" ", 1)[0].lower() == "token"


class StaffTwoFactorMiddleware:
    """Staff without a verified second factor reach only the 2FA pages and logout.

    Also replaces Wagtail's own login page, so there is one login and
    second-factor path. Requests carrying an ``Authorization: Token`` header are
    left to DRF: a staff member's device token is only issued with a two-factor
    code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.check(request)
        return response if response is not None else self.get_response(request)

    def check(self, request):
        path = request.path_info
        user = getattr(request, "user", None)
        if path == _wagtail_login_path():
            return self.leave_wagtail_login(request, user)
        if user is None or not user.is_authenticated or is_exempt(path):
            return None
        if path.startswith("/api/") and _token_authorization(request):
            return None
        if getattr(user, "is_verified", None) is not None and user.is_verified():
            return None
        if not needs_two_factor(user, admin=path.startswith(_admin_prefix())):
            return None
        if path.startswith("/api/"):
            return JsonResponse({"detail": api_message(), "code": API_ERROR_CODE}, status=403)
        next_url = request.get_full_path() if request.method == "GET" else path
        return HttpResponseRedirect(two_factor_url(user, safe_next(request, next_url)))

    @staticmethod
    def leave_wagtail_login(request, user):
        """Wagtail's login page (where the admin sends whoever it refuses) is never shown.

        Anonymous visitors go to our login page; a logged-in person who may use
        the admin goes on (the two-factor check follows), anyone else to the
        site's home page with Wagtail's "no permission" message. (Pointing
        WAGTAILADMIN_LOGIN_URL at our login page would loop for them: our login
        page sends a logged-in person straight back to ``next``.)
        """
        admin_home = reverse("wagtailadmin_home")
        next_url = safe_next(request, request.GET.get("next"), admin_home)
        if user is None or not user.is_authenticated:
            return HttpResponseRedirect(with_next(resolve_url(settings.LOGIN_URL), next_url))
        if has_admin_access(user):
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))
