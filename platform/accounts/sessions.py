"""Idle and absolute session timeouts (OWASP ASVS 3.3).

A site session ends after ``SESSION_IDLE_TIMEOUT`` seconds without a request,
and in any case ``SESSION_ABSOLUTE_TIMEOUT`` seconds after login; the person
is sent to the login page with a message, then back to where they were. API
requests authenticated by a device token carry no session and are not
concerned.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _

LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
# Writing the session on every request would turn reads into writes.
SEEN_RESOLUTION = 60


def _mark_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


def connect() -> None:
    user_logged_in.connect(_mark_login, dispatch_uid="accounts.sessions.mark_login")


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            login_at = request.session.get(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            if (
                now - seen_at > settings.SESSION_IDLE_TIMEOUT
                or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                logout(request)
                messages.info(request, _("Your session has expired: please log in again."))
            else:
                request.session.setdefault(LOGIN_AT, login_at)
                if now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in request.session:
                    request.session[SEEN_AT] = now
        return self.get_response(request)
