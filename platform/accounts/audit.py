"""ACC-3: one structured log record per login, failed login, lockout and refused access.

Records carry keyed hashes (HMAC-SHA256 with SECRET_KEY) of the email address
and of the IP address, never the values themselves, and never a password.
"""

from __future__ import annotations

import json
import logging

from axes.helpers import get_client_ip_address
from django.conf import settings

from accounts.security import account_hash, keyed_hash

logger = logging.getLogger("voisinage.auth")


def _ip(request) -> str | None:
    if request is None:
        return None
    ip = getattr(request, "axes_ip_address", None)
    if ip is None:
        try:
            ip = get_client_ip_address(request)
        except Exception:  # a log line must never break a login
            ip = None
    return ip


def _channel(request) -> str | None:
    if request is None:
        return None
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "site"


def log_event(event: str, outcome: str, *, email=None, request=None, level=logging.INFO):
    record = {
        "event": event,
        "outcome": outcome,
        "account": account_hash(email),
        "ip_hash": keyed_hash(_ip(request)),
        "channel": _channel(request),
    }
    logger.log(level, json.dumps(record, sort_keys=True), extra={"auth_event": record})
    return record


def refused_by_lockout(request) -> bool:
    """axes flags a refused attempt before the signals run and counts no failure for it."""
    return bool(
        request is not None
        and getattr(request, "axes_locked_out", False)
        and getattr(request, "axes_failures_since_start", None) is None
    )


def on_logged_in(sender, request, user, **kwargs):
    log_event("login", "success", email=user.get_username(), request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    if refused_by_lockout(request):
        return  # on_locked_out records it as "access_refused"
    email = credentials.get(settings.AXES_USERNAME_FORM_FIELD) if credentials else None
    log_event("login_failed", "failure", email=email, request=request, level=logging.WARNING)


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    if refused_by_lockout(request):
        log_event(
            "access_refused", "locked", email=username, request=request, level=logging.WARNING
        )
    else:
        log_event("lockout", "locked", email=username, request=request, level=logging.WARNING)


def on_password_reset_unlock(email: str, request=None):
    log_event("unlock", "password_reset", email=email, request=request)


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="voisinage.auth.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="voisinage.auth.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="voisinage.auth.locked_out")
