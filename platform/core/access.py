"""Who may act: open accounts, and what a page needing an account is.

**Open accounts.** An account is open while it is active and not closed (ACC-9 closes
it: ``is_active`` False and ``closed_at`` set). Every place that asks "may this person
still act or be reached?" asks :func:`is_open_account` (or filters with
:func:`open_account_q` / :func:`open_accounts`), so a half-closed account (only one of
the two set) is treated the same everywhere: as closed. They read the user model's
field names only, so every app (communes and privacy included, below accounts) asks
here; ``accounts.selectors`` re-exports them for the modules.

**Login pitches.** What a page needing an account is, said on the login page a visitor
lands on.

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
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.db.models import Q, QuerySet
from django.urls import Resolver404, resolve

# --- open accounts ------------------------------------------------------------------
# No model import: app configs (privacy.relations, via a module's apps.py) ask
# ``is_open_account`` before the app registry is ready.


def is_open_account(user) -> bool:
    """``user`` is a signed-in person whose account is active and not closed."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "closed_at", None) is None
        and getattr(user, "suspended_at", None) is None
    )


def open_account_q(prefix: str = "") -> Q:
    """The open-account condition, on users or through a relation (``prefix="user__"``)."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}closed_at__isnull": True})


_QuerySet = TypeVar("_QuerySet", bound=QuerySet[Any])


def open_accounts(queryset: _QuerySet, *, through: str = "") -> _QuerySet:
    """``queryset`` narrowed to open accounts (of users, or through ``through="user__"``)."""
    return queryset.filter(open_account_q(through))


# --- login pitches ------------------------------------------------------------------

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
