"""ACC-13: GDPR access. Everything the platform holds about one person, as JSON.

``account_export(user)`` returns a dict of JSON values only (strings, numbers,
booleans, lists, objects, null):

- ``platform``, ``version`` (of this format), ``exported_at``;
- ``account``: every profile field, decrypted; the photo as its URL; the home
  location as a GeoJSON point;
- ``device_tokens`` (never their digest), ``follows``, ``staff_roles``,
  ``hosting_partners``, ``groups``, ``two_factor_devices`` (never a secret),
  ``admin_preferences`` (the Wagtail admin profile, if any);
- ``login_records``: what django-axes keeps for the email address;
- ``sections``: one entry per app or module: core apps answer through receivers
  of ``accounts.signals.personal_data_export``; a module declares
  ``personal_data`` on its ``PlatformModule`` (``export(user)``, the section named
  after the module's label). Modules answer whether or not they are switched on
  in the person's communes: access to one's data does not depend on a module
  switch.

Nothing about another person is exported: who decided a follow or granted a
role is left out, and who registered the person is only a yes/no.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import DeviceToken
from accounts.signals import personal_data_export
from communes.models import Follow, StaffRole
from core.modules import registry

FORMAT_VERSION = 1


def account_export(user, *, request=None) -> dict:
    """The GDPR access file of ``user``; ``request`` makes the photo URL absolute."""
    data = {
        "platform": settings.WAGTAIL_SITE_NAME,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "account": _account(user, request),
        "device_tokens": _device_tokens(user),
        "follows": _follows(user),
        "staff_roles": _staff_roles(user),
        "hosting_partners": sorted(user.hosting_partners.values_list("name", flat=True)),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "two_factor_devices": _two_factor_devices(user),
        "admin_preferences": _admin_preferences(user, request),
        "login_records": _login_records(user),
        "sections": _sections(user),
    }
    # One pass through the encoder: the result is plain JSON values, whatever
    # types the receivers returned.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def export_filename(day: date | None = None) -> str:
    day = day or timezone.localdate()
    return f"voisinage-mes-donnees-{day.isoformat()}.json"


def _url(file, request) -> str | None:
    if not file:
        return None
    url = file.url
    return request.build_absolute_uri(url) if request is not None else url


def _account(user, request) -> dict:
    location = user.location
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "pseudonym": user.pseudonym,
        "presentation": user.presentation,
        "photo": _url(user.photo, request),
        "mobile": user.mobile or None,
        "hide_mobile": user.hide_mobile,
        "landline": user.landline or None,
        "hide_landline": user.hide_landline,
        "accepts_sms": user.accepts_sms,
        "birth_date": user.birth_date,
        "address": user.address or None,
        "location": (
            {"type": "Point", "coordinates": [location.x, location.y]}
            if location is not None
            else None
        ),
        "registered_by_a_neighbour": user.registered_by_id is not None,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "email_verified_at": user.email_verified_at,
        "is_active": user.is_active,
        "closed_at": user.closed_at,
    }


def _device_tokens(user) -> list[dict]:
    return [
        {
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
        }
        for token in DeviceToken.objects.filter(user=user).order_by("created_at", "pk")
    ]


def _commune(commune) -> dict:
    return {"slug": commune.slug, "name": commune.name}


def _follows(user) -> list[dict]:
    follows = Follow.objects.filter(user=user).select_related("commune").order_by("created_at")
    return [
        {
            "commune": _commune(follow.commune),
            "status": follow.status,
            "requested_at": follow.created_at,
            "decided_at": follow.decided_at,
            "reason": follow.reason,
        }
        for follow in follows
    ]


def _staff_roles(user) -> list[dict]:
    roles = StaffRole.objects.filter(user=user).select_related("commune").order_by("granted_at")
    return [
        {"commune": _commune(role.commune), "role": role.role, "granted_at": role.granted_at}
        for role in roles
    ]


def _two_factor_devices(user) -> list[dict]:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = []
    for kind, model in (("authenticator_app", TOTPDevice), ("recovery_codes", StaticDevice)):
        for device in model.objects.filter(user=user).order_by("pk"):
            entry = {
                "kind": kind,
                "name": device.name,
                "confirmed": device.confirmed,
                "created_at": device.created_at,
                "last_used_at": device.last_used_at,
            }
            if kind == "recovery_codes":
                entry["codes_left"] = device.token_set.count()
            devices.append(entry)
    return devices


def _admin_preferences(user, request) -> dict | None:
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "preferred_language": profile.preferred_language,
        "current_time_zone": profile.current_time_zone,
        "avatar": _url(profile.avatar, request),
        "theme": profile.theme,
        "contrast": profile.contrast,
        "density": profile.density,
        "submitted_notifications": profile.submitted_notifications,
        "approved_notifications": profile.approved_notifications,
        "rejected_notifications": profile.rejected_notifications,
        "updated_comments_notifications": profile.updated_comments_notifications,
    }


def _access_fields(record) -> dict:
    return {
        "at": record.attempt_time,
        "ip_address": record.ip_address,
        "user_agent": record.user_agent,
        "path": record.path_info,
    }


def _login_records(user) -> dict:
    """What django-axes stores under the email address (lower-cased by our axes settings)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    email = user.email
    return {
        "failed_attempts": [
            {**_access_fields(attempt), "failures_since_start": attempt.failures_since_start}
            for attempt in AccessAttempt.objects.filter(username__iexact=email).order_by(
                "attempt_time"
            )
        ],
        "failures": [
            {**_access_fields(failure), "locked_out": failure.locked_out}
            for failure in AccessFailureLog.objects.filter(username__iexact=email).order_by(
                "attempt_time"
            )
        ],
        "logins": [
            {**_access_fields(entry), "logout_at": entry.logout_time}
            for entry in AccessLog.objects.filter(username__iexact=email).order_by("attempt_time")
        ],
    }


def _sections(user) -> dict:
    sections: dict = {}
    for receiver, answer in personal_data_export.send(sender=get_user_model(), user=user):
        if answer is None:
            continue
        name, data = cast("tuple[str, Any]", answer)
        if name in sections:
            raise ImproperlyConfigured(
                f"Two receivers of personal_data_export answer the section {name!r} "
                f"(the second is {receiver.__module__}.{receiver.__qualname__})."
            )
        sections[name] = data
    for module in registry:
        if module.personal_data is None:
            continue
        data = import_string(module.personal_data)(user)
        if data is None:
            continue
        if module.module_label in sections:
            raise ImproperlyConfigured(
                f"Module {module.module_label!r} and a receiver of personal_data_export "
                "answer the same section."
            )
        sections[module.module_label] = data
    return dict(sorted(sections.items()))
