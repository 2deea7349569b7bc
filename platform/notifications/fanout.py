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
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.access import open_accounts
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
from notifications.sms import SmsNotAllowed


@dataclass(frozen=True)
class Published:
    event: Event
    created: bool
    recipients: int = 0
    emails: int = 0
    pushes: int = 0


ALL_CHANNELS = frozenset({"in_app", "email", "push"})


def batch_size(channel: str) -> int:
    sizes = settings.NOTIFICATIONS_BATCH_SIZE
    return int(sizes.get(channel, 100))


def audience_users(audience: QuerySet) -> QuerySet:
    """The open accounts among ``audience`` (a queryset of users, or of user ids)."""
    User = get_user_model()
    if audience.model is not User:
        audience = User.objects.filter(pk__in=audience)
    return open_accounts(audience)


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
    channels: frozenset[str] = ALL_CHANNELS,
) -> Published:
    """Record one activity and notify its whole ``audience`` (see the module's docstring).

    ``channels`` narrows how the audience is reached: ``{"email"}`` alone writes no
    in-app row and no push (TWN-3: twinned communities get alerts by e-mail only).
    SMS are never part of a publish: see :func:`schedule_sms`.
    """
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
        user_ids = users.order_by().values("id")
        recipients = 0
        if "in_app" in channels:
            recipients = _insert_notifications(event, user_ids, rubric)
            event.audience_size = recipients
            Event.objects.filter(pk=event.pk).update(audience_size=recipients)

        emails, pushes = _deliver(event, users, channels)
    return Published(event, True, recipients, emails, pushes)


def deliver(event: Event, audience: QuerySet, *, channels=frozenset({"email", "push"})):
    """The e-mail and push deliveries of an event published with ``channels={"in_app"}``.

    For large urgent audiences (alerts): the in-app rows commit first, so that they are
    visible at once, and the deliveries follow in a transaction of their own. Returns
    ``(emails, pushes)``. Not idempotent by itself: the caller records that it ran (an
    alert's ``dispatched_at``), since the deliveries' insert has no ``ON CONFLICT``.
    """
    users = audience_users(audience)
    if event.actor_id is not None:
        users = users.exclude(pk=event.actor_id)
    with transaction.atomic():
        return _deliver(event, users, channels)


def _deliver(event: Event, users: QuerySet, channels) -> tuple[int, int]:
    definition = kinds.get(event.kind)
    rubric = kinds.rubric_of(event.kind)
    emails = pushes = 0
    if definition.email and "email" in channels:
        with_email = users.exclude(email="").order_by().values("id")
        emails = _insert_deliveries(event, with_email, Channel.EMAIL, rubric)
    if "push" in channels:
        pushes = _insert_deliveries(event, users.order_by().values("id"), Channel.PUSH, rubric)
    transaction.on_commit(lambda: queue_batches(event.pk, Channel.EMAIL.value, emails))
    transaction.on_commit(lambda: queue_batches(event.pk, Channel.PUSH.value, pushes))
    return emails, pushes


def _insert_notifications(event: Event, user_ids: QuerySet, rubric) -> int:
    audience_sql, params = _sql(user_ids)
    notification = Notification._meta.db_table
    preference = Preference._meta.db_table
    if rubric.locked:
        preference_filter, preference_params = "", tuple[str, ...]()
    else:
        # NOT IN over a small set becomes one hashed subplan; NOT EXISTS was planned as
        # 100,000 probes of the preference table. user_id is never NULL.
        preference_filter = (
            f" AND a.id NOT IN (SELECT p.user_id FROM {preference} p"  # noqa: S608 - table name from model metadata
            " WHERE p.rubric = %s AND p.frequency = %s)"
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


def _insert_deliveries(event: Event, user_ids: QuerySet, channel: str, rubric) -> int:
    """Pending deliveries on ``channel`` for the recipients who want it right away.

    Read from the audience again rather than from the notifications just written: the
    notification table has no index by event (each one costs a third of a fan-out), and
    "instant" already excludes people who turned the rubric off.
    """
    if channel == Channel.EMAIL:
        wanted_default, column = rubric.email, "email"
    else:
        wanted_default, column = rubric.push, "push"
    audience_sql, audience_params = _sql(user_ids)
    preference = Preference._meta.db_table
    delivery = Delivery._meta.db_table
    select_params: list[Any] = [event.pk, channel, DeliveryStatus.PENDING.value]
    join, join_params = "", list[Any]()
    conditions, where_params = ["a.id IS NOT NULL"], list[Any]()
    if not rubric.locked:  # ALR-6: alerts and their e-mails are always on
        join = f" LEFT JOIN {preference} p ON p.user_id = a.id AND p.rubric = %s"
        join_params.append(rubric.key)
        conditions += ["COALESCE(p.frequency, %s) = %s", f"COALESCE(p.{column}, %s) = %s"]
        where_params += [rubric.frequency, Frequency.INSTANT.value, wanted_default, True]
    if channel == Channel.EMAIL:  # the caller's audience has an address already
        conditions.append(
            f"a.id NOT IN (SELECT x.user_id FROM {UndeliverableAddress._meta.db_table} x"  # noqa: S608 - table names from model metadata, values bound
            " WHERE x.channel = %s)"
        )
        where_params.append(Channel.EMAIL.value)
    else:
        conditions.append(
            f"a.id IN (SELECT d.user_id FROM {PushDevice._meta.db_table} d"  # noqa: S608 - table names from model metadata, values bound
            " WHERE d.active = %s)"
        )
        where_params.append(True)
    # No ON CONFLICT: the event is new, so none of its deliveries exists yet.
    sql = (
        f"INSERT INTO {delivery} (event_id, recipient_id, channel, status, attempts,"  # noqa: S608 - table names from model metadata, values bound
        " provider_id, error)"
        f" SELECT %s, a.id, %s, %s, 0, '', '' FROM ({audience_sql}) a{join}"
        f" WHERE {' AND '.join(conditions)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *audience_params, *join_params, *where_params])
        return max(cursor.rowcount, 0)


def queue_batches(event_id: int, channel: str, count: int) -> int:
    """Queue the tasks that send ``count`` pending deliveries; returns how many tasks.

    Not one task per batch: queuing a django-q2 task costs a broker write (16 ms on the
    ORM broker), which made queuing 200 batches slower than writing 100,000 rows. At most
    ``NOTIFICATIONS_PARALLEL_SENDS`` tasks are queued; each drains batches until none is
    left or its time budget ends, then queues its successor (``delivery.drain``).

    A task carries plain literals only (see :func:`_schedule_drain`): the channel's
    value, never the ``Channel`` member.
    """
    if count <= 0:
        return 0
    from django_q.tasks import async_task

    event_id, channel = int(event_id), str(channel)
    batches = math.ceil(count / batch_size(channel))
    tasks = min(batches, settings.NOTIFICATIONS_PARALLEL_SENDS)
    for _ in range(tasks):
        async_task(
            "notifications.delivery.drain",
            event_id,
            channel,
            task_name=f"notifications:{channel}:{event_id}",
            group=f"notifications-{channel}",
        )
    return tasks


def schedule_sms(event: Event, audience: QuerySet, *, delay=None, unread_only: bool = True) -> int:
    """SMS of an alert (ALR-3) to ``audience``: people with a mobile who accept SMS.

    One pending SMS delivery per person is written now with ``not_before`` = now +
    ``delay`` (one ``INSERT … SELECT``), and one django-q2 task is scheduled for that
    moment. With ``unread_only`` the sender skips whoever has read the event by then
    (on the site, the app, a push or an e-mail link); the deliveries' unique key makes a
    second run send nothing. Only alerts: the SMS channel refuses any other kind.
    """
    from datetime import timedelta

    if not kinds.rubric_of(event.kind).sms:
        raise SmsNotAllowed(f"{event.kind} is not an alert: no SMS.")
    delay = delay if delay is not None else timedelta(0)
    due = timezone.now() + delay
    users = (
        audience_users(audience)
        .filter(accepts_sms=True)
        .exclude(mobile_index="")
        .order_by()
        .values("id")
    )
    audience_sql, params = _sql(users)
    sql = (
        f"INSERT INTO {Delivery._meta.db_table} (event_id, recipient_id, channel, status,"  # noqa: S608 - table names from model metadata, values bound
        " attempts, provider_id, error, not_before)"
        f" SELECT %s, a.id, %s, %s, 0, '', '', %s FROM ({audience_sql}) a"
        f" WHERE a.id NOT IN (SELECT x.user_id FROM {UndeliverableAddress._meta.db_table} x"
        " WHERE x.channel = %s) ON CONFLICT DO NOTHING"
    )
    with transaction.atomic():
        if unread_only and not event.data.get("sms_unread_only"):
            event.data = {**event.data, "sms_unread_only": True}
            Event.objects.filter(pk=event.pk).update(data=event.data)
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    event.pk,
                    Channel.SMS.value,
                    DeliveryStatus.PENDING.value,
                    due,
                    *params,
                    Channel.SMS.value,
                ],
            )
            count = max(cursor.rowcount, 0)
        if count:
            transaction.on_commit(lambda: _schedule_drain(event.pk, Channel.SMS.value, due))
    return count


def drain_schedule_args(event_id: int, channel: str) -> str:
    """The ``args`` of a drain's schedule: a tuple literal such as ``(39, 'sms')``.

    django-q2's scheduler reads ``Schedule.args`` with ``ast.literal_eval``: only
    Python literals survive it. ``Channel.SMS`` (or its ``repr``,
    ``<Channel.SMS: 'sms'>``) made every run fail with "malformed node" and no SMS
    ever left; hence ``int``/``str`` here, whatever the caller passes.
    """
    return repr((int(event_id), str(channel)))


def _schedule_drain(event_id: int, channel: str, due) -> None:
    from django_q.conf import Conf
    from django_q.models import Schedule

    if Conf.SYNC:  # tests and the inline mode: the clock is the caller's to move
        return
    channel = str(channel)
    Schedule.objects.create(
        func="notifications.delivery.drain",
        args=drain_schedule_args(event_id, channel),
        schedule_type=Schedule.ONCE,
        next_run=due,
        repeats=1,
        name=f"notifications:{channel}:{event_id}:{due:%Y%m%d%H%M%S}",
    )


def add_delivery(event: Event, user, channel: str, *, not_before=None) -> bool:
    """One pending delivery (SMS of an alert, 4 minutes later…); False if it exists."""
    _, created = Delivery.objects.get_or_create(
        event=event,
        recipient=user,
        channel=channel,
        defaults={"not_before": not_before, "status": DeliveryStatus.PENDING},
    )
    return created
