"""A suspended account (CNT-5) is shut out everywhere at once.

Moderation sets ``User.suspended_at`` (``moderation.services.suspend``) and clears it when
the suspension is lifted; accounts enforces it:

* login, on the site (``accounts.forms.LoginForm``) and for an API token
  (``POST /api/v1/auth/tokens/``), is refused with the reason and a link to the team,
  whatever the password: the account is looked up by its e-mail address before any
  password is checked, so a refusal is never counted by the lockout (django-axes);
* a session opened before the suspension ends at the next request
  (:class:`SuspensionMiddleware`): the person lands on the login page with the message;
* a device token answers 401 with the message (``accounts.tokens``).

Accounts sits below moderation: it reads only the user's own field, and names the
support page by its URL name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.http import HttpRequest

SUPPORT_TOPIC = "account"


def contact_path() -> str:
    """The team's contact form, on the account topic."""
    try:
        path = reverse("moderation:support")
    except NoReverseMatch:
        path = "/contact/"
    return f"{path}?topic={SUPPORT_TOPIC}"


def _sentence() -> str:
    return _(
        "Your account is suspended by the moderators: you cannot log in for now. "
        "To know why or to contest it, contact the team."
    )


def suspension_message() -> SafeString:
    """The refusal on the site: the sentence and a link to the contact form."""
    return format_html('{} <a href="{}">{}</a>', _sentence(), contact_path(), _("Contact the team"))


def suspension_text(request: HttpRequest | None = None) -> str:
    """The refusal for the API: plain text with the contact form's address."""
    path = contact_path()
    url = request.build_absolute_uri(path) if request is not None else path
    return f"{_sentence()} {url}"


def is_suspended(user) -> bool:
    return getattr(user, "suspended_at", None) is not None


def is_suspended_login(email: object) -> bool:
    """The e-mail address typed at login is a suspended account's (no password needed)."""
    if not isinstance(email, str) or not email.strip():
        return False
    return (
        get_user_model()
        .objects.filter(email=email.strip().lower(), suspended_at__isnull=False)
        .exists()
    )


class SuspensionMiddleware:
    """A suspended person's session ends at their next request (after AuthenticationMiddleware).

    Site pages send them to the login page with the message; an API call made with the
    session goes on as anonymous (401/403 from the API's own permissions).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_suspended(user):
            logout(request)
            if not request.path.startswith("/api/"):
                messages.error(request, suspension_message())
                return redirect("accounts:login")
        return self.get_response(request)
