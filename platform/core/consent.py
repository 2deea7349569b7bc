"""Cookie consent (ACC-14): strictly necessary cookies only, unless the person agrees.

Strictly necessary cookies need no consent (CNIL): the session, the CSRF token, the
language a person picked with the switcher, the one-off confirmation message and the
consent choice itself (:func:`necessary_cookies` lists them for the /cookies/ page).

Everything else is a **purpose** declared once in :data:`purposes`; its code runs only
when :func:`has_consent` says so. Adding a purpose (say, audience measurement) is one
``purposes.register(Purpose(...))`` call: the banner, the /cookies/ page and the cookie
pick it up, and people who chose before it existed are asked again.

The choice lives in one first-party cookie (``CONSENT_COOKIE_NAME``): JSON
``{"version": 1, "date": "2026-05-04", "purposes": {"embeds": false}}``, base64url-encoded
(cookie-safe) and signed with Django's signing (``set_signed_cookie``). The signature is
timestamped, so a choice older than ``CONSENT_MAX_AGE`` (six months by default) is void
even if a browser keeps the cookie. Bumping ``CONSENT_VERSION`` asks everyone again.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

DEFAULT_COOKIE_NAME = "voisinage_consent"
DEFAULT_MAX_AGE = 182 * 24 * 3600  # six months (the CNIL allows at most 13)
DEFAULT_VERSION = 1
SALT = "voisinage.consent"

_PURPOSE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


# --- Settings ---------------------------------------------------------------------


def cookie_name() -> str:
    return getattr(settings, "CONSENT_COOKIE_NAME", DEFAULT_COOKIE_NAME)


def max_age() -> int:
    """How long a choice is remembered, in seconds (``CONSENT_MAX_AGE``)."""
    return int(getattr(settings, "CONSENT_MAX_AGE", DEFAULT_MAX_AGE))


def version() -> int:
    """Version of the consent policy; a choice made under another version is void."""
    return int(getattr(settings, "CONSENT_VERSION", DEFAULT_VERSION))


def cookie_secure() -> bool:
    # Secure wherever the session cookie is (production.py sets it).
    return bool(getattr(settings, "CONSENT_COOKIE_SECURE", settings.SESSION_COOKIE_SECURE))


# --- Registry of optional purposes ----------------------------------------------------


@dataclass(frozen=True)
class Purpose:
    """Something optional that may set or read cookies, and so needs consent."""

    key: str  # stored in the cookie and posted by the forms
    label: str | Promise
    description: str | Promise
    providers: tuple[str, ...] = ()  # the third parties involved, for the /cookies/ page


class PurposeRegistry:
    def __init__(self) -> None:
        self._purposes: dict[str, Purpose] = {}

    def register(self, purpose: Purpose) -> Purpose:
        if not _PURPOSE_KEY.match(purpose.key):
            raise ImproperlyConfigured(f"Consent purpose key {purpose.key!r} is not a slug.")
        if purpose.key in self._purposes:
            raise ImproperlyConfigured(f"Consent purpose {purpose.key!r} is declared twice.")
        self._purposes[purpose.key] = purpose
        return purpose

    def unregister(self, key: str) -> None:
        del self._purposes[key]

    def all_keys(self) -> list[str]:
        return list(self._purposes)

    def __iter__(self) -> Iterator[Purpose]:
        return iter(list(self._purposes.values()))

    def __len__(self) -> int:
        return len(self._purposes)

    def __contains__(self, key: object) -> bool:
        return key in self._purposes

    def __getitem__(self, key: str) -> Purpose:
        return self._purposes[key]


purposes = PurposeRegistry()

EMBEDS = purposes.register(
    Purpose(
        key="embeds",
        label=_("Videos and content from other sites (YouTube, Vimeo…)"),
        description=_(
            "Pages can show videos and other content hosted by other sites. When it is "
            "shown, that site may set cookies and learn that you visited the page. Without "
            "your consent, such content is replaced by a button that shows it once."
        ),
        providers=("YouTube (Google)", "Vimeo", "Dailymotion"),
    )
)


# --- What needs no consent -------------------------------------------------------------


def duration_label(seconds: int | None) -> str:
    """A cookie's lifetime in words: days, months or years."""
    if not seconds:
        return str(_("Until you close your browser"))
    days = round(seconds / 86400)
    if days < 60:
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    months = round(days / 30.4375)
    if months % 12 == 0:
        years = months // 12
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d month", "%(count)d months", months) % {"count": months}


@dataclass(frozen=True)
class NecessaryCookie:
    name: str
    description: str | Promise
    max_age: int | None  # seconds; None: until the browser is closed

    @property
    def duration(self) -> str:
        return duration_label(self.max_age)


def necessary_cookies() -> list[NecessaryCookie]:
    """The cookies the site sets without asking, and why they are strictly necessary."""
    return [
        NecessaryCookie(
            settings.SESSION_COOKIE_NAME,
            _("Keeps you signed in and your session secure."),
            None if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else settings.SESSION_COOKIE_AGE,
        ),
        NecessaryCookie(
            settings.CSRF_COOKIE_NAME,
            _("Protects the site's forms against forged submissions."),
            settings.CSRF_COOKIE_AGE,
        ),
        NecessaryCookie(
            settings.LANGUAGE_COOKIE_NAME,
            _("Remembers the language you picked with the language switcher."),
            settings.LANGUAGE_COOKIE_AGE,
        ),
        NecessaryCookie(
            cookie_name(),
            _("Remembers your choices about cookies, so that we do not ask again."),
            max_age(),
        ),
        NecessaryCookie(
            CookieStorage.cookie_name,
            _("Shows a confirmation after an action, such as saving your choices; then deleted."),
            None,
        ),
    ]


@dataclass(frozen=True)
class ThirdParty:
    """A third party the browser contacts without any cookie (so without consent)."""

    name: str
    description: str | Promise


def third_parties() -> list[ThirdParty]:
    tiles = getattr(settings, "MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    host = urlsplit(tiles.replace("{s}", "a")).hostname or tiles
    return [
        ThirdParty(
            host,
            _(
                "Map images. When a page shows a map, your browser downloads its images from "
                "this server, which sees your IP address. It sets no cookie."
            ),
        )
    ]


# --- The person's choice ------------------------------------------------------------------


@dataclass(frozen=True)
class Consent:
    """A person's choice: purpose key → bool. ``given`` is False when there is none."""

    purposes: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    date: datetime.date | None = None
    given: bool = False

    @classmethod
    def from_choices(cls, choices: Mapping[str, bool], date: datetime.date | None = None):
        unknown = set(choices) - set(purposes.all_keys())
        if unknown:
            raise ValueError(f"Unknown consent purposes: {sorted(unknown)}")
        full = {key: bool(choices.get(key, False)) for key in purposes.all_keys()}
        return cls(MappingProxyType(full), date or timezone.localdate(), True)

    def granted(self, key: str) -> bool:
        if key not in purposes:
            raise LookupError(f"Unknown consent purpose {key!r}.")
        return self.given and self.purposes.get(key) is True

    @property
    def complete(self) -> bool:
        """A choice is recorded for every purpose declared today."""
        return self.given and all(key in self.purposes for key in purposes.all_keys())

    def __getitem__(self, key: str) -> bool:
        # Templates: {{ consent.embeds }}. Unknown names fall back to attributes.
        if key not in purposes:
            raise KeyError(key)
        return self.granted(key)


NO_CONSENT = Consent()


def _encode(consent: Consent) -> str:
    payload = {
        "version": version(),
        "date": consent.date.isoformat() if consent.date else None,
        "purposes": dict(consent.purposes),
    }
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(value: str) -> Consent:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return NO_CONSENT
    if not isinstance(data, dict) or data.get("version") != version():
        return NO_CONSENT
    stored = data.get("purposes")
    if not isinstance(stored, dict):
        return NO_CONSENT
    # Purposes that no longer exist are dropped; values must be real booleans.
    kept = {k: v for k, v in stored.items() if k in purposes and isinstance(v, bool)}
    try:
        date = datetime.date.fromisoformat(data["date"]) if data.get("date") else None
    except (TypeError, ValueError):
        date = None
    return Consent(MappingProxyType(kept), date, True)


_CACHE_ATTR = "_voisinage_consent"


def get_consent(request: HttpRequest) -> Consent:
    """The person's current choice; :data:`NO_CONSENT` when absent, forged, expired or
    made under another version of the policy."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is None:
        value = request.get_signed_cookie(cookie_name(), default=None, salt=SALT, max_age=max_age())
        cached = NO_CONSENT if value is None else _decode(value)
        setattr(request, _CACHE_ATTR, cached)
    return cached


def has_consent(request: HttpRequest, purpose: str) -> bool:
    """True only if the person agreed to ``purpose`` (a key of :data:`purposes`)."""
    return get_consent(request).granted(purpose)


def needs_consent_banner(request: HttpRequest) -> bool:
    """The person has not chosen yet, or not for every purpose declared today."""
    return len(purposes) > 0 and not get_consent(request).complete


def save_consent(request: HttpRequest, response: HttpResponse, consent: Consent) -> None:
    """Write ``consent`` into the response's cookie; the rest of the request sees it too."""
    response.set_signed_cookie(
        cookie_name(),
        _encode(consent),
        salt=SALT,
        max_age=max_age(),
        secure=cookie_secure(),
        httponly=True,  # only the server reads it
        samesite="Lax",
    )
    setattr(request, _CACHE_ATTR, consent)


# --- The current request, for code rendered without one (Wagtail's embeds) ---------------

_current_request: ContextVar[HttpRequest | None] = ContextVar("voisinage_request", default=None)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def current_consent() -> Consent:
    request = current_request()
    return NO_CONSENT if request is None else get_consent(request)


class ConsentMiddleware:
    """Makes the request known to templates rendered without it (Wagtail renders embeds
    with ``render_to_string`` and no request), and marks responses that depended on the
    consent cookie with ``Vary: Cookie``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            # Template responses are rendered inside get_response, the request still set.
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        if hasattr(request, _CACHE_ATTR):
            patch_vary_headers(response, ("Cookie",))
        return response
