"""ACC-3: account lockout (django-axes hooks) and pseudonymous identifiers for logs."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

LOCKED_STATUS = 403


def keyed_hash(value: str | None) -> str | None:
    """HMAC-SHA256 of ``value`` keyed with SECRET_KEY, hex, first 16 characters."""
    if not value:
        return None
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def account_hash(email: str | None) -> str | None:
    """The pseudonymous key of an account in logs: never the email itself."""
    return keyed_hash(email.strip().lower() if email else None)


def normalise_username(value) -> str | None:
    if not value or not isinstance(value, str):
        return None
    return value.strip().lower()


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the lower-cased email, so "Marie@…" and "marie@…" count as one."""
    if credentials:
        return normalise_username(credentials.get(settings.AXES_USERNAME_FORM_FIELD))
    post = getattr(request, "POST", None)
    return normalise_username(post.get(settings.AXES_USERNAME_FORM_FIELD)) if post else None


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """AXES_CLIENT_STR_CALLABLE: what axes writes in its own log lines, without personal data."""
    return f"{{account: {account_hash(username)}, ip: {keyed_hash(ip_address)}, path: {path_info}}}"


def lockout_message() -> str:
    return gettext(
        "Your account is locked after %(limit)s wrong passwords. To unlock it, choose a new "
        "password with the “Forgotten password?” link."
    ) % {"limit": settings.AXES_FAILURE_LIMIT}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page with the explanation, or JSON for the API."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=LOCKED_STATUS)
    form = AuthenticationForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "lockout_message": message, "locked": True},
        status=LOCKED_STATUS,
    )
