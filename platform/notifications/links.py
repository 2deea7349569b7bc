"""Signed links in e-mails (NOT-3) and one-click unsubscribe links (RFC 8058).

Every link to the site in a notification e-mail goes through ``/n/<token>/``. The token
signs (recipient, path, event) and expires after ``NOTIFICATIONS_LINK_MAX_AGE``
seconds. Following it marks the notification read (ALR-3 counts it) and leads to the
content; a signed-out person goes through the login page first. An expired link still
leads to the login page and then to the content (its signature is checked, only its age
is not); a tampered link leads to the login page and then home. Never an error page.

Unsubscribe links sign (recipient, rubric) and last longer
(``NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE``): mail clients call them with a POST, without
cookies, sometimes weeks later.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from communes.services import commune_url

LINK_SALT = "notifications.link"
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def absolute_url(commune, path: str) -> str:
    """``path`` on the commune's host (``communes.services.commune_url``), or the platform's."""
    if commune is None:
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
    return commune_url(commune, path)


def safe_path(path: str) -> str:
    """Only paths on this site: never an open redirect."""
    if not path or not path.startswith("/") or path.startswith("//"):
        return "/"
    if not url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        return "/"
    return path


def link_token(user_id: int, path: str, event_id: int | None = None) -> str:
    payload = {"u": user_id, "p": safe_path(path)}
    if event_id is not None:
        payload["e"] = event_id
    return signing.dumps(payload, salt=LINK_SALT, compress=True)


def signed_url(commune, user_id: int, path: str, event_id: int | None = None) -> str:
    token = link_token(user_id, path, event_id)
    return absolute_url(commune, reverse("notifications:link", args=[token]))


@dataclass(frozen=True)
class LinkData:
    user_id: int | None
    path: str
    event_id: int | None
    valid: bool  # signed and not expired
    expired: bool


def read_link(token: str) -> LinkData:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=settings.NOTIFICATIONS_LINK_MAX_AGE)
        expired = False
    except signing.SignatureExpired:
        try:  # authentic but too old: still tells where it was going
            data = signing.loads(token, salt=LINK_SALT)
        except signing.BadSignature:
            return LinkData(None, "/", None, valid=False, expired=False)
        expired = True
    except signing.BadSignature:
        return LinkData(None, "/", None, valid=False, expired=False)
    if not isinstance(data, dict):
        return LinkData(None, "/", None, valid=False, expired=False)
    user_id = data.get("u") if isinstance(data.get("u"), int) else None
    event_id = data.get("e") if isinstance(data.get("e"), int) else None
    raw_path = data.get("p")
    path = safe_path(raw_path if isinstance(raw_path, str) else "/")
    return LinkData(user_id, path, event_id, valid=not expired, expired=expired)


def unsubscribe_token(user_id: int, rubric: str) -> str:
    return signing.dumps({"u": user_id, "r": rubric}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(commune, user_id: int, rubric: str) -> str:
    token = unsubscribe_token(user_id, rubric)
    return absolute_url(commune, reverse("notifications:unsubscribe", args=[token]))


def read_unsubscribe(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(
            token, salt=UNSUBSCRIBE_SALT, max_age=settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if not isinstance(data.get("r"), str):
        return None
    return data["u"], data["r"]
