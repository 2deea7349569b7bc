"""Channel workers: claim a batch of deliveries, send it, record each outcome.

Exactly-once as far as a provider allows:

* **claim**: in a short transaction, ``SELECT … FOR UPDATE SKIP LOCKED`` picks up to a
  batch of the event's due deliveries on the channel and marks them *sending* with
  ``claimed_at``; concurrent workers never claim the same row;
* **send**: each message is handed to the provider and its delivery is marked *sent*
  (or *failed*, or back to *pending* with a back-off) at once, in autocommit;
* **recover**: a delivery still *sending* after the task timeout belongs to a worker
  that died (django-q2 kills a task at ``timeout``; ``retry`` is longer, so a live task
  is never handed to a second worker). It is claimed again and sent.

So a re-run finds nothing pending and sends nothing; a worker killed mid-batch leaves
the messages it had not sent *sending*, and the next run sends exactly those. The one
window left is between a provider accepting a message and the row being marked sent
(microseconds for one message, one API call for an anymail batch): a kill there
re-sends that message or batch. No provider API offers an idempotency key that would
close it for e-mail and SMS alike; we prefer a rare duplicate to a lost alert.

SQLite (the demo) ignores ``SKIP LOCKED``; its single writer makes claims serial anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.access import is_open_account
from notifications import emails
from notifications.fanout import batch_size
from notifications.kinds import MODERATION_RUBRIC, kinds
from notifications.links import absolute_url
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Notification,
    PushDevice,
)
from notifications.push import PushPayload, PushTarget, send_push
from notifications.sms import SmsMessage, SmsNotAllowed, SmsPurpose, get_backend
from notifications.undeliverable import is_undeliverable, mark_undeliverable

logger = logging.getLogger(__name__)


def lease_seconds() -> int:
    return int(str(settings.Q_CLUSTER.get("timeout", 300)))


def _due(now) -> Q:
    stale = now - timedelta(seconds=lease_seconds())
    pending = Q(status=DeliveryStatus.PENDING) & (
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    return pending | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)


def claim(event_id: int, channel: str, limit: int, now) -> list[int]:
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(_due(now), event_id=event_id, channel=channel)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(id__in=ids).update(
                status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    return ids


def _sent(delivery_ids, now, provider_id: str = "") -> None:
    Delivery.objects.filter(id__in=delivery_ids).update(
        status=DeliveryStatus.SENT, sent_at=now, provider_id=provider_id[:120], error=""
    )


def _failed(delivery: Delivery, now, error: str, *, permanent: bool) -> None:
    max_attempts = settings.NOTIFICATIONS_MAX_ATTEMPTS
    if permanent or delivery.attempts + 1 >= max_attempts:
        Delivery.objects.filter(id=delivery.id).update(
            status=DeliveryStatus.FAILED, error=error[:300]
        )
        return
    # Back off 1, 2, 4, 8… minutes.
    delay = timedelta(minutes=2 ** (delivery.attempts))
    Delivery.objects.filter(id=delivery.id).update(
        status=DeliveryStatus.PENDING, not_before=now + delay, error=error[:300]
    )


def send_batch(event_id: int, channel: str, *, now=None) -> int:
    """Claim and send one batch of ``channel`` deliveries of ``event_id``; returns how many sent."""
    now = now or timezone.now()
    ids = claim(event_id, channel, batch_size(channel), now)
    if not ids:
        return 0
    event = Event.objects.select_related("commune__site", "commune__logo").get(pk=event_id)
    deliveries = list(
        Delivery.objects.filter(id__in=ids)
        .select_related("recipient")
        .order_by("id")
        .only(
            "id",
            "attempts",
            "recipient__id",
            "recipient__email",
            "recipient__first_name",
            "recipient__last_name",
            "recipient__mobile",
            "recipient__mobile_index",
            "recipient__accepts_sms",
            "recipient__is_active",
            "recipient__closed_at",
            "recipient__suspended_at",
        )
    )
    # The claim counted this attempt already; keep the in-memory count in step.
    for delivery in deliveries:
        delivery.attempts -= 1
    sender: dict[str, Callable[[Event, list[Delivery], Any], int]] = {
        Channel.EMAIL: _send_email,
        Channel.PUSH: _send_push,
        Channel.SMS: _send_sms,
    }
    return sender[channel](event, deliveries, now)


def _open(delivery: Delivery, event: Event) -> bool:
    """Whether the recipient still gets mail: an open account, or a suspended one for
    moderation's own rubric (the suspension itself, the decision on their appeal)."""
    user = delivery.recipient
    if user.suspended_at is not None and kinds.rubric_of(event.kind).key == MODERATION_RUBRIC:
        return bool(user.is_active and user.closed_at is None)
    return is_open_account(user)


def _skip(delivery_ids, reason: str) -> None:
    Delivery.objects.filter(id__in=delivery_ids).update(status=DeliveryStatus.SKIPPED, error=reason)


# --- e-mail ---------------------------------------------------------------------


def _recipient(delivery: Delivery) -> emails.Recipient:
    user = delivery.recipient
    return emails.Recipient(user.pk, user.email, user.first_name or user.get_full_name())


def _send_email(event: Event, deliveries: list[Delivery], now) -> int:
    live = [d for d in deliveries if _open(d, event) and d.recipient.email]
    _skip([d.id for d in deliveries if d not in live], "closed")
    if not live:
        return 0
    if settings.NOTIFICATIONS_EMAIL_MERGE_FIELD:
        return _send_email_merged(event, live, now)
    context = emails.common_context(event)
    sent = 0
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # the provider is down (SMTP refused…): retry them all later
        logger.warning("e-mail of event %s: no connection: %s", event.pk, type(exc).__name__)
        for delivery in live:
            _failed(delivery, now, str(exc) or type(exc).__name__, permanent=False)
        return 0
    try:
        for delivery in live:
            message = emails.event_message(event, _recipient(delivery), context=context)
            message.connection = connection
            try:
                message.send()
            except Exception as exc:
                logger.warning("e-mail of event %s failed: %s", event.pk, type(exc).__name__)
                _failed(delivery, now, str(exc), permanent=False)
                continue
            status = _anymail_status(message, delivery.recipient.email)
            if status in {"rejected", "invalid"}:
                mark_undeliverable(delivery.recipient, Channel.EMAIL, status)
                _failed(delivery, now, status, permanent=True)
                continue
            _sent([delivery.id], now, _anymail_id(message, delivery.recipient.email))
            sent += 1
    finally:
        connection.close()
    return sent


def _anymail_recipient(message, email: str):
    """anymail's per-recipient status of a sent message, or None (other backends)."""
    status = getattr(message, "anymail_status", None)
    if status is None or not getattr(status, "recipients", None):
        return None
    return status.recipients.get(email.lower()) or status.recipients.get(email)


def _anymail_status(message, email: str) -> str:
    return getattr(_anymail_recipient(message, email), "status", "") or ""


def _anymail_id(message, email: str) -> str:
    return str(getattr(_anymail_recipient(message, email), "message_id", "") or "")


def _send_email_merged(event: Event, deliveries: list[Delivery], now) -> int:
    message = emails.event_batch_message(event, [_recipient(d) for d in deliveries])
    try:
        message.send()
    except Exception as exc:
        logger.warning("batch e-mail of event %s failed: %s", event.pk, type(exc).__name__)
        for delivery in deliveries:
            _failed(delivery, now, str(exc), permanent=False)
        return 0
    sent_ids = []
    for delivery in deliveries:
        status = _anymail_status(message, delivery.recipient.email)
        if status in {"rejected", "invalid"}:
            mark_undeliverable(delivery.recipient, Channel.EMAIL, status)
            _failed(delivery, now, status, permanent=True)
        else:
            sent_ids.append(delivery.id)
    _sent(sent_ids, now)
    return len(sent_ids)


# --- push -----------------------------------------------------------------------


def _send_push(event: Event, deliveries: list[Delivery], now) -> int:
    by_user = {d.recipient_id: d for d in deliveries if _open(d, event)}
    _skip([d.id for d in deliveries if d.recipient_id not in by_user], "closed")
    devices = list(PushDevice.objects.filter(user_id__in=by_user, active=True).order_by("id"))
    if not devices:
        _skip([d.id for d in by_user.values()], "no device")
        return 0
    definition = kinds.get(event.kind)
    payload = PushPayload(
        title=event.title,
        body=event.body[:240],
        url=absolute_url(event.commune, event.url or "/"),
        tag=f"event-{event.pk}",
        urgent=definition.urgent,
    )
    targets = [PushTarget(d.platform, d.token, d.p256dh, d.auth) for d in devices]
    results = send_push(targets, payload)
    ok_users: set[int] = set()
    gone = []
    for device, result in zip(devices, results, strict=True):
        if result.ok:
            ok_users.add(device.user_id)
        elif result.gone:
            gone.append(device.id)
    if gone:
        PushDevice.objects.filter(id__in=gone).update(active=False)
    _sent([by_user[u].id for u in ok_users], now)
    with_device = {device.user_id for device in devices}
    for user_id, delivery in by_user.items():
        if user_id in ok_users:
            continue
        if user_id not in with_device:
            _skip([delivery.id], "no device")
        else:
            _failed(delivery, now, "push failed", permanent=False)
    return len(ok_users)


# --- SMS (alerts only) ----------------------------------------------------------


def sms_text(event: Event) -> str:
    """The commune, the heading and the whole text, cut at the SMS length setting.

    An event whose title quotes the start of its body (an alert's) gives its heading
    without the excerpt in ``data["sms_heading"]``, so an SMS never pays for the same
    words twice.
    """
    prefix = f"{event.commune.name} : " if event.commune is not None else ""
    text = f"{prefix}{event.data.get('sms_heading') or event.title}"
    if event.body:
        text += f"\n{event.body}"
    return text[: settings.NOTIFICATIONS_SMS_MAX_LENGTH]


def _send_sms(event: Event, deliveries: list[Delivery], now) -> int:
    if not kinds.rubric_of(event.kind).sms:
        # SMS are for alerts (ALR-3); the channel refuses anything else, whatever the caller.
        _skip([d.id for d in deliveries], "not an alert")
        raise SmsNotAllowed(f"{event.kind} is not an alert: no SMS.")
    live = [
        d
        for d in deliveries
        if _open(d, event)
        and d.recipient.accepts_sms
        and d.recipient.mobile
        and not is_undeliverable(d.recipient, Channel.SMS)
    ]
    _skip([d.id for d in deliveries if d not in live], "no mobile")
    if live and event.data.get("sms_unread_only"):
        # ALR-3: only those who have not read the alert by now get the SMS.
        read = set(
            Notification.objects.filter(
                event_id=event.pk,
                recipient_id__in=[d.recipient_id for d in live],
                read_at__isnull=False,
            ).values_list("recipient_id", flat=True)
        )
        _skip([d.id for d in live if d.recipient_id in read], "read")
        live = [d for d in live if d.recipient_id not in read]
    if not live:
        return 0
    body = sms_text(event)
    messages = [SmsMessage(d.recipient.mobile or "", body, SmsPurpose.ALERT) for d in live]
    results = get_backend().send_batch(messages)
    sent = 0
    for delivery, result in zip(live, results, strict=True):
        if result.ok:
            _sent([delivery.id], now, result.provider_id)
            sent += 1
        else:
            if result.permanent:
                mark_undeliverable(delivery.recipient, Channel.SMS, result.error)
            _failed(delivery, now, result.error, permanent=result.permanent)
    return sent


def drain(event_id: int, channel: str, *, now=None, budget: float | None = None) -> int:
    """Send batches of ``event_id`` on ``channel`` until none is due or the budget ends.

    The budget (default: 80 % of the task timeout) keeps the task well inside django-q2's
    timeout; if work remains, the task queues its successor instead of being killed.
    """
    import time

    budget = budget if budget is not None else lease_seconds() * 0.8
    started = time.monotonic()
    sent = 0
    while True:
        count = send_batch(event_id, channel, now=now)
        sent += count
        if count == 0:  # nothing due: done, claimed by another worker, or backing off
            return sent
        if time.monotonic() - started > budget:
            from django_q.tasks import async_task

            # Plain literals only (a caller may pass a Channel member).
            async_task("notifications.delivery.drain", int(event_id), str(channel))
            return sent


# --- recovery -------------------------------------------------------------------


def sweep(*, now=None) -> int:
    """Send what tasks left behind: due retries and batches of a worker that died."""
    now = now or timezone.now()
    # Only recent events: retries end within the hour, a dead worker's lease within
    # minutes. Bounding by event id lets the unique (event, …) index do the work, so
    # the table needs no index of its own on the status.
    since = now - timedelta(days=settings.NOTIFICATIONS_SWEEP_DAYS)
    first = Event.objects.filter(created_at__gte=since).order_by("pk").values("pk").first()
    if first is None:
        return 0
    pairs = (
        Delivery.objects.filter(_due(now), event_id__gte=first["pk"])
        .values_list("event_id", "channel")
        .distinct()
        .order_by("event_id")[:200]
    )
    sent = 0
    for event_id, channel in list(pairs):
        try:
            sent += drain(event_id, channel, now=now)
        except Exception:  # one event's failure must not stop the sweep
            logger.exception("sweep of event %s on %s failed", event_id, channel)
    return sent


def _has_due(event_id: int, channel: str, now) -> bool:
    return Delivery.objects.filter(_due(now), event_id=event_id, channel=channel).exists()
