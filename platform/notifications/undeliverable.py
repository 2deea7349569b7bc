"""Addresses and numbers a provider could not deliver to.

A bounce or a complaint (anymail's tracking webhooks, signature-checked by anymail), an
SMS provider's failure callback or a permanent refusal at sending marks the person's
current address or number. Sending to it stops and the site tells the person until
they change it: the mark holds a keyed hash of the address, so a new address is
clean at once (``clear_stale`` runs when the account is saved).
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.crypto import blind_index
from notifications.models import Channel, UndeliverableAddress

logger = logging.getLogger(__name__)


def _digest(user, channel: str) -> str:
    if channel == Channel.EMAIL:
        return blind_index((user.email or "").strip().lower())
    return user.mobile_index or blind_index(user.mobile)


def mark_undeliverable(user, channel: str, reason: str = "") -> None:
    digest = _digest(user, channel)
    if not digest:
        return
    UndeliverableAddress.objects.update_or_create(
        user=user,
        channel=channel,
        defaults={"address_digest": digest, "reason": reason[:300], "detected_at": timezone.now()},
    )


def is_undeliverable(user, channel: str) -> bool:
    row = UndeliverableAddress.objects.filter(user=user, channel=channel).first()
    return row is not None and row.address_digest == _digest(user, channel)


def problems_of(user) -> list[UndeliverableAddress]:
    """The current problems the site shows the person (stale marks are not)."""
    return [
        row
        for row in UndeliverableAddress.objects.filter(user=user)
        if row.address_digest == _digest(user, row.channel)
    ]


def clear_stale(user) -> int:
    stale = [
        row.pk
        for row in UndeliverableAddress.objects.filter(user=user)
        if row.address_digest != _digest(user, row.channel)
    ]
    if stale:
        UndeliverableAddress.objects.filter(pk__in=stale).delete()
    return len(stale)


ADDRESS_FIELDS = frozenset({"email", "mobile", "mobile_index"})


def on_user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and not ADDRESS_FIELDS & set(update_fields)):
        return  # a login's last_login, a new account: nothing to clear
    clear_stale(instance)


def mark_email(address: str, reason: str) -> int:
    """A provider's bounce for ``address``: marks every open account using it."""
    users = get_user_model().objects.filter(email__iexact=address.strip())
    count = 0
    for user in users:
        mark_undeliverable(user, Channel.EMAIL, reason)
        count += 1
    return count


def mark_mobile(number: str, reason: str) -> int:
    users = get_user_model().objects.filter(mobile_index=blind_index(number.strip()))
    count = 0
    for user in users:
        mark_undeliverable(user, Channel.SMS, reason)
        count += 1
    return count


def on_anymail_tracking(sender, event, esp_name, **kwargs) -> None:
    """anymail's ``tracking`` signal: bounces, rejections and complaints mark the address."""
    if event.event_type not in {"bounced", "rejected", "complained"} or not event.recipient:
        return
    reason = f"{esp_name}: {event.event_type}"
    if event.reject_reason:
        reason += f" ({event.reject_reason})"
    marked = mark_email(event.recipient, reason)
    logger.info("e-mail bounce from %s marked %d account(s)", esp_name, marked)
