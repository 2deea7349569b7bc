"""Writes of the notification centre: reading, preferences, devices, unsubscribing."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.kinds import RUBRICS, Frequency
from notifications.models import (
    Delivery,
    DeliveryStatus,
    Notification,
    Preference,
    PushDevice,
    UndeliverableAddress,
)
from notifications.selectors import notifications_of, preferences_of

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


def mark_read(user: User, event_id: int, *, now: datetime | None = None) -> bool:
    """Mark one notification read; False if the person has no such notification."""
    updated = Notification.objects.filter(
        recipient_id=user.pk, event_id=event_id, read_at__isnull=True
    ).update(read_at=now or timezone.now())
    if updated:
        return True
    return Notification.objects.filter(recipient_id=user.pk, event_id=event_id).exists()


def mark_read_by_id(user_id: int, event_id: int, *, now: datetime | None = None) -> int:
    """A signed e-mail link was followed (ALR-3 counts it as reading)."""
    return Notification.objects.filter(
        recipient_id=user_id, event_id=event_id, read_at__isnull=True
    ).update(read_at=now or timezone.now())


def mark_all_read(user: User, *, now: datetime | None = None) -> int:
    return notifications_of(user).filter(read_at__isnull=True).update(read_at=now or timezone.now())


ALERTS_LOCKED = gettext_lazy(
    "Alerts cannot be turned off: they are sent to everyone, by e-mail too."
)


def set_preference(
    user: User, rubric_key: str, *, frequency: str, email: bool, push: bool
) -> Preference:
    """Choose how a rubric reaches the person (NOT-2); alerts are locked (ALR-6)."""
    rubric = RUBRICS.get(rubric_key)
    if rubric is None:
        raise ValidationError({"rubric": _("Unknown rubric.")})
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _("Choose one of the frequencies offered.")})
    if rubric.locked and (frequency, email, push) != (rubric.frequency, rubric.email, rubric.push):
        raise ValidationError({"rubric": ALERTS_LOCKED})
    with transaction.atomic():
        preference, _created = Preference.objects.update_or_create(
            user=user,
            rubric=rubric_key,
            defaults={"frequency": frequency, "email": email, "push": push},
        )
    return preference


def unsubscribe(user: User, key: str) -> int:
    """One-click unsubscribe: a rubric's e-mails, or a digest (``digest:daily``) altogether."""
    if key.startswith("digest:"):
        frequency = key.split(":", 1)[1]
        count = 0
        for choice in preferences_of(user):
            if choice.frequency == frequency and choice.email and not choice.locked:
                set_preference(
                    user,
                    choice.rubric.key,
                    frequency=choice.frequency,
                    email=False,
                    push=choice.push,
                )
                count += 1
        return count
    rubric = RUBRICS.get(key)
    if rubric is None or rubric.locked:
        return 0
    current = Preference.objects.filter(user=user, rubric=key).first()
    set_preference(
        user,
        key,
        frequency=current.frequency if current else rubric.frequency,
        email=False,
        push=current.push if current else rubric.push,
    )
    return 1


@transaction.atomic
def register_device(
    user: User, *, platform: str, token: str, p256dh: str = "", auth: str = "", name: str = ""
) -> PushDevice:
    """Add or refresh a device of ``user``.

    A token has one owner, and knowing it is not owning it: another account's active
    token is refused (``ValidationError`` on ``token``; until issue 21 it silently moved to
    whoever posted it, who then took that person's notifications). It moves only

    * from a device marked dead (``active`` false: the push service said it is gone), or
    * for a browser subscription whose keys match (``p256dh`` and ``auth`` never leave the
      browser): someone else signed in on the same browser. Logged.

    A phone app removes its device (``DELETE /api/v1/me/devices/{id}/``) when its person
    signs out, so the next person's registration of the same token is accepted.
    """
    now = timezone.now()
    existing = PushDevice.objects.select_for_update().filter(token=token).first()
    if existing is not None and existing.user_id != user.pk and existing.active:
        same_browser = (
            platform == PushDevice.Platform.WEB
            and bool(p256dh and auth)
            and constant_time_compare(existing.p256dh, p256dh)
            and constant_time_compare(existing.auth, auth)
        )
        if not same_browser:
            raise ValidationError(
                {
                    "token": [
                        _(
                            "This device already receives another account's notifications: "
                            "sign out of that account on it first."
                        )
                    ]
                }
            )
        logger.info(
            "push device moved",
            extra={"event": "push_device_moved", "device": existing.pk, "to_user": user.pk},
        )
    device, _created = PushDevice.objects.update_or_create(
        token=token,
        defaults={
            "user": user,
            "platform": platform,
            "p256dh": p256dh,
            "auth": auth,
            "name": name[:100],
            "active": True,
            "last_seen_at": now,
        },
    )
    return device


def remove_device(user: User, *, device_id: int | None = None, token: str | None = None) -> int:
    devices = PushDevice.objects.filter(user=user)
    if device_id is not None:
        devices = devices.filter(pk=device_id)
    elif token is not None:
        devices = devices.filter(token=token)
    else:
        return 0
    deleted, _ = devices.delete()
    return deleted


def on_account_closed(sender: object, user_id: int, **kwargs: Any) -> None:
    """ACC-12: devices, choices, the centre's rows and undeliverable marks go."""
    PushDevice.objects.filter(user_id=user_id).delete()
    Preference.objects.filter(user_id=user_id).delete()
    Notification.objects.filter(recipient_id=user_id).delete()
    UndeliverableAddress.objects.filter(user_id=user_id).delete()
    Delivery.objects.filter(
        recipient_id=user_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    ).update(status=DeliveryStatus.SKIPPED, error="closed")


def personal_data(sender: object, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]] | None:
    """ACC-13 export: preferences, devices, undeliverable marks and the notifications."""
    notifications = [
        {
            "kind": row.event.kind,
            "title": row.event.title,
            "created_at": row.event.created_at,
            "read_at": row.read_at,
        }
        for row in Notification.objects.filter(recipient_id=user.pk)
        .select_related("event")
        .order_by("-event_id")[:1000]
    ]
    choices = preferences_of(user)
    devices = list(
        PushDevice.objects.filter(user=user).values(
            "platform", "name", "created_at", "last_seen_at", "active"
        )
    )
    undeliverable = list(
        UndeliverableAddress.objects.filter(user=user).values("channel", "reason", "detected_at")
    )
    if not (notifications or devices or undeliverable or any(c.chosen for c in choices)):
        return None
    return (
        "notifications",
        {
            "preferences": [
                {
                    "rubric": choice.rubric.key,
                    "frequency": choice.frequency,
                    "email": choice.email,
                    "push": choice.push,
                    "chosen": choice.chosen,
                }
                for choice in choices
            ],
            "devices": devices,
            "undeliverable": undeliverable,
            "notifications": notifications,
        },
    )
