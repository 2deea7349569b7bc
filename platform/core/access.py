"""What a page needing an account is, said on the login page a visitor lands on.

Pages for logged-in people keep Django's redirection to the login page (with
``?next=``), so someone who has an account is one form away from the page. The
login page is not silent about why: a view decorated with :func:`explained`
carries a title and a short pitch, and ``{% login_pitch %}`` (``core_access``
template tags) resolves ``next`` to that view and shows them above the form,
with "Create an account" as prominent as "Log in".

Every nav entry that needs an account is explained this way: the decorator is put
on the view, whatever guard it already has (``login_required``,
``validated_resident_required``, a module's guard: they all keep ``__dict__``
through ``functools.wraps``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

ATTRIBUTE = "login_pitch"


@dataclass(frozen=True)
class LoginPitch:
    title: str
    text: str


def explained(title, text):
    """Decorator: the login page explains this view with ``title`` and ``text`` (lazy)."""

    def decorator(view):
        setattr(view, ATTRIBUTE, LoginPitch(title=title, text=text))
        return view

    return decorator


def pitch_for_path(path: str, urlconf=None) -> LoginPitch | None:
    """The pitch of the view serving ``path`` on this site, if it has one."""
    if not path:
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        match = resolve(parts.path, urlconf=urlconf)
    except Resolver404:
        return None
    return getattr(match.func, ATTRIBUTE, None)
