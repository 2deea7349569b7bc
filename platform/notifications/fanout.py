"""Publishing an activity: one event, one ``INSERT … SELECT`` per table, batched channel tasks.

``publish()`` is the only entry point. The audience is a queryset: it never becomes a
Python list. In one transaction it writes

1. the :class:`~notifications.models.Event` (idempotent with ``dedupe_key``);
2. every in-app :class:`~notifications.models.Notification` with one
   ``INSERT … SELECT … ON CONFLICT DO NOTHING``, skipping people who turned the rubric
   off (alerts cannot be turned off), closed or inactive accounts and the actor;
3. the pending :class:`~notifications.models.Delivery` rows of the instant channels
   (e-mail, push) with one ``INSERT … SELECT`` each, from the notifications just
   written and each person's preferences (the rubric's defaults when they never chose);

and, once the transaction commits, queues one django-q2 task per batch of deliveries.
Digest rubrics get no instant delivery: ``notifications.digests`` picks them up.

The SQL is plain enough for PostgreSQL and SQLite (the demo): ``ON CONFLICT DO NOTHING``
after a ``SELECT`` that always has a ``WHERE`` (SQLite's parser needs it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from notifications.kinds import Frequency, kinds
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Notification,
    Preference,
    PushDevice,
    UndeliverableAddress,
)


@dataclass(frozen=True)
class Published:
    event: Event
    created: bool
    recipients: int = 0
    emails: int = 0
    pushes: int = 0


def batch_size(channel: str) -> int:
    sizes = settings.NOTIFICATIONS_BATCH_SIZE
    return int(sizes.get(channel, 100))


def audience_users(audience: QuerySet) -> QuerySet:
    """The open accounts among ``audience`` (a queryset of users, or of user ids)."""
    User = get_user_model()
    if audience.model is not User:
        audience = User.objects.filter(pk__in=audience)
    return audience.filter(is_active=True, closed_at__isnull=True)


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def publish(
    kind: str,
    *,
    audience: QuerySet,
    title: str,
    body: str = "",
    url: str = "",
    commune=None,
    actor=None,
    data: dict | None = None,
    dedupe_key: str | None = None,
    notify_actor: bool = False,
) -> Published:
    """Record one activity and notify its whole ``audience`` (see the module's docstring)."""
    definition = kinds.get(kind)  # raises for an unregistered kind
    rubric = kinds.rubric_of(kind)
    with transaction.atomic():
        if dedupe_key is not None:
            existing = Event.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return Published(existing, created=False, recipients=existing.audience_size)
        try:
            with transaction.atomic():
                event = Event.objects.create(
                    kind=definition.key,
                    commune=commune,
                    actor=actor,
                    title=title[:200],
                    body=body,
                    url=url,
                    data=data or {},
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:  # the same dedupe_key, published concurrently
            existing = Event.objects.get(dedupe_key=dedupe_key)
            return Published(existing, created=False, recipients=existing.audience_size)

        users = audience_users(audience)
        if actor is not None and not notify_actor:
            users = users.exclude(pk=actor.pk)
        recipients = _insert_notifications(event, users.order_by().values("id"), rubric)
        event.audience_size = recipients
        Event.objects.filter(pk=event.pk).update(audience_size=recipients)

        emails = _insert_deliveries(event, Channel.EMAIL, rubric) if definition.email else 0
        pushes = _insert_deliveries(event, Channel.PUSH, rubric)
        transaction.on_commit(lambda: queue_batches(event.pk, Channel.EMAIL, emails))
        transaction.on_commit(lambda: queue_batches(event.pk, Channel.PUSH, pushes))
    return Published(event, True, recipients, emails, pushes)


def _insert_notifications(event: Event, user_ids: QuerySet, rubric) -> int:
    audience_sql, params = _sql(user_ids)
    notification = Notification._meta.db_table
    preference = Preference._meta.db_table
    if rubric.locked:
        preference_filter, preference_params = "", ()
    else:
        preference_filter = (
            f" AND NOT EXISTS (SELECT 1 FROM {preference} p"  # noqa: S608 - table names from model metadata, values bound
            " WHERE p.user_id = a.id AND p.rubric = %s AND p.frequency = %s)"
        )
        preference_params = (rubric.key, Frequency.OFF.value)
    sql = (
        f"INSERT INTO {notification} (recipient_id, event_id, read_at)"  # noqa: S608 - table names from model metadata, values bound
        f" SELECT a.id, %s, NULL FROM ({audience_sql}) a WHERE a.id IS NOT NULL"
        f"{preference_filter}"
    )
    # No ON CONFLICT: the event was created in this transaction and the audience is
    # a set of user ids, so no row can exist yet (and speculative insertion doubles
    # the cost of the statement).
    with connection.cursor() as cursor:
        cursor.execute(sql, (event.pk, *params, *preference_params))
        return max(cursor.rowcount, 0)


def _insert_deliveries(event: Event, channel: str, rubric) -> int:
    """Pending deliveries on ``channel`` for the recipients who want it right away."""
    if channel == Channel.EMAIL:
        wanted_default, column = rubric.email, "email"
    else:
        wanted_default, column = rubric.push, "push"
    notification = Notification._meta.db_table
    preference = Preference._meta.db_table
    delivery = Delivery._meta.db_table
    user = get_user_model()._meta.db_table
    select_params = [channel, DeliveryStatus.PENDING.value]
    join, join_params = "", []
    conditions, where_params = ["n.event_id = %s"], [event.pk]
    if not rubric.locked:  # ALR-6: alerts and their e-mails are always on
        join = f" LEFT JOIN {preference} p ON p.user_id = n.recipient_id AND p.rubric = %s"
        join_params.append(rubric.key)
        conditions += ["COALESCE(p.frequency, %s) = %s", f"COALESCE(p.{column}, %s) = %s"]
        where_params += [rubric.frequency, Frequency.INSTANT.value, wanted_default, True]
    if channel == Channel.EMAIL:
        conditions.append("u.email <> ''")
        conditions.append(
            f"NOT EXISTS (SELECT 1 FROM {UndeliverableAddress._meta.db_table} x"  # noqa: S608 - table names from model metadata, values bound
            " WHERE x.user_id = n.recipient_id AND x.channel = %s)"
        )
        where_params.append(Channel.EMAIL.value)
    else:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {PushDevice._meta.db_table} d"  # noqa: S608 - table names from model metadata, values bound
            " WHERE d.user_id = n.recipient_id AND d.active = %s)"
        )
        where_params.append(True)
    sql = (
        f"INSERT INTO {delivery} (event_id, recipient_id, channel, status, attempts,"  # noqa: S608 - table names from model metadata, values bound
        " provider_id, error)"
        f" SELECT n.event_id, n.recipient_id, %s, %s, 0, '', '' FROM {notification} n"
        f" JOIN {user} u ON u.id = n.recipient_id{join}"
        f" WHERE {' AND '.join(conditions)} ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *join_params, *where_params])
        return max(cursor.rowcount, 0)


def queue_batches(event_id: int, channel: str, count: int) -> int:
    """Queue one task per batch of ``count`` pending deliveries; returns how many tasks."""
    if count <= 0:
        return 0
    from django_q.tasks import async_task

    tasks = math.ceil(count / batch_size(channel))
    for _ in range(tasks):
        async_task(
            "notifications.delivery.send_batch",
            event_id,
            channel,
            task_name=f"notifications:{channel}:{event_id}",
            group=f"notifications-{channel}",
        )
    return tasks


def add_delivery(event: Event, user, channel: str, *, not_before=None) -> bool:
    """One pending delivery (SMS of an alert, 4 minutes later…); False if it exists."""
    _, created = Delivery.objects.get_or_create(
        event=event,
        recipient=user,
        channel=channel,
        defaults={"not_before": not_before, "status": DeliveryStatus.PENDING},
    )
    return created


def now():
    return timezone.now()
