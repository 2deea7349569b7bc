"""``make bench-fanout``: one event to N residents of one commune (NOT, issue 6).

For N = 1,000, 10,000 and 100,000 validated followers of one commune, on PostgreSQL:

* **in-app**: the ``INSERT … SELECT`` that writes the N notifications
  (``notifications.fanout._insert_notifications``, what ``publish`` runs);
* **e-mail queue**: the ``INSERT … SELECT`` of the pending e-mail deliveries plus the
  django-q2 tasks queued for their batches (ORM broker);
* **baselines**: the same N rows written by Django's ``bulk_create`` (ids read into
  Python first, as such code would) and by a ``create()`` loop in one transaction;
* **centre**: queries of the notification centre page for a person with 1 and with
  1,000 notifications.

Each timing is the best of ``--repeat`` runs (default 3; the ``create()`` loop runs once).
The table is printed and written to ``bench/results/fanout-<date>.md``.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/voisinage_bench python bench/fanout.py
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform as host
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from bench._common import ensure_database, setup  # noqa: E402

setup()  # bench.settings' database (voisinage_bench) unless DATABASE_URL says otherwise

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_q.models import OrmQ  # noqa: E402

from communes.models import Commune, Follow  # noqa: E402
from notifications import fanout  # noqa: E402
from notifications.kinds import NotificationKind, kinds  # noqa: E402
from notifications.models import Channel, Delivery, Event, Notification  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
KIND = NotificationKind("bench.message", "messages", "Bench")


def ensure_residents(count: int) -> Commune:
    from tests.factories import HostingPartnerFactory, make_commune

    commune = Commune.objects.filter(slug="bench-ville").first()
    if commune is None:
        commune = make_commune(
            HostingPartnerFactory(),
            name="Bench-Ville",
            slug="bench-ville",
            hostname="bench.localhost",
            official_code="99999",
            postal_codes="99999",
        )
    have = Follow.objects.filter(commune=commune, status=Follow.Status.VALIDATED).count()
    if have >= count:
        return commune
    try:
        _create_residents(commune, have, count)
    finally:
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give
            cursor.execute("ANALYZE")
    return commune


def _create_residents(commune, have: int, count: int) -> None:
    User = get_user_model()
    print(f"creating {count - have} residents…", flush=True)
    step = 10_000
    for start in range(have, count, step):
        users = [
            User(
                email=f"habitant{i}@bench.example",
                first_name="Habitant",
                last_name=str(i),
                password="!",
            )
            for i in range(start, min(start + step, count))
        ]
        User.objects.bulk_create(users, batch_size=step)
        created = User.objects.filter(email__in=[u.email for u in users]).values_list(
            "pk", flat=True
        )
        Follow.objects.bulk_create(
            [Follow(user_id=pk, commune=commune, status=Follow.Status.VALIDATED) for pk in created],
            batch_size=step,
        )


def audience(commune: Commune, size: int):
    User = get_user_model()
    ids = (
        Follow.objects.filter(commune=commune, status=Follow.Status.VALIDATED)
        .order_by("user_id")
        .values_list("user_id", flat=True)[:size]
    )
    last = list(ids)[-1]
    return User.objects.filter(
        pk__in=Follow.objects.filter(
            commune=commune, status=Follow.Status.VALIDATED, user_id__lte=last
        ).values("user_id")
    )


def new_event(commune) -> Event:
    return Event.objects.create(kind=KIND.key, commune=commune, title="Réunion publique", url="/")


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_delivery, notifications_notification, notifications_event"
            " RESTART IDENTITY CASCADE"
        )
    OrmQ.objects.all().delete()


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run_size(commune, size: int, repeat: int) -> dict:
    users = audience(commune, size)
    rubric = kinds.rubric_of(KIND.key)
    user_ids = fanout.audience_users(users).order_by().values("id")
    in_app, queue, bulk, loop = [], [], [], []
    tasks = 0
    for _ in range(repeat):
        reset()
        event = new_event(commune)

        def write_in_app(event=event):
            with transaction.atomic():  # the commit is part of the cost
                fanout._insert_notifications(event, user_ids, rubric)

        in_app.append(timed(write_in_app))
        assert Notification.objects.filter(event=event).count() == size

        def queue_emails(event=event):
            nonlocal tasks
            with transaction.atomic():
                count = fanout._insert_deliveries(event, user_ids, Channel.EMAIL, rubric)
            tasks = fanout.queue_batches(event.pk, Channel.EMAIL, count)

        queue.append(timed(queue_emails))
        assert Delivery.objects.filter(event=event).count() == size

        reset()
        event = new_event(commune)

        def bulk_create(event=event):
            with transaction.atomic():
                ids = list(users.values_list("pk", flat=True))
                Notification.objects.bulk_create(
                    [Notification(recipient_id=pk, event_id=event.pk) for pk in ids]
                )

        bulk.append(timed(bulk_create))
    reset()
    event = new_event(commune)

    def create_loop(event=event):
        with transaction.atomic():
            for pk in users.values_list("pk", flat=True):
                Notification.objects.create(recipient_id=pk, event_id=event.pk)

    loop.append(timed(create_loop))
    reset()
    return {
        "size": size,
        "in_app": min(in_app),
        "queue": min(queue),
        "tasks": tasks,
        "bulk": min(bulk),
        "loop": min(loop),
    }


def centre_queries(commune) -> tuple[int, int]:
    reset()
    person = audience(commune, 1).first()
    client = Client(HTTP_HOST="bench.localhost")
    client.force_login(person)
    event = new_event(commune)
    Notification.objects.create(recipient=person, event=event)
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/notifications/").status_code == 200
    events = Event.objects.bulk_create(
        [Event(kind=KIND.key, commune=commune, title=f"N{i}", url="/") for i in range(999)]
    )
    Notification.objects.bulk_create([Notification(recipient=person, event=e) for e in events])
    with CaptureQueriesContext(connection) as thousand:
        assert client.get("/notifications/").status_code == 200
    reset()
    return len(one), len(thousand)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    kinds._kinds[KIND.key] = KIND
    ensure_database()
    commune = ensure_residents(max(args.sizes))
    rows = [run_size(commune, size, args.repeat) for size in args.sizes]
    one, thousand = centre_queries(commune)

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    lines = [
        f"# Fan-out benchmark – {datetime.date.today().isoformat()}",
        "",
        f"Machine: {os.cpu_count()} CPU, Python {host.python_version()}, PostgreSQL {pg}.",
        f"Best of {args.repeat} runs (the create() loop: one run). Seconds.",
        "",
        "| recipients | in-app INSERT…SELECT | e-mail deliveries + batches queued (tasks) "
        "| bulk_create | create() loop | vs bulk_create | vs create() |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['size']:,} | {row['in_app']:.3f} | {row['queue']:.3f} ({row['tasks']}) "
            f"| {row['bulk']:.3f} | {row['loop']:.3f} | {row['bulk'] / row['in_app']:.1f}× "
            f"| {row['loop'] / row['in_app']:.0f}× |"
        )
    lines += [
        "",
        f"Notification centre page: {one} queries with 1 notification, {thousand} with 1,000.",
        "",
        "Targets (issue 6): 100,000 in-app rows in < 0.5 s, ≥ 4× faster than bulk_create, "
        "a centre page with a constant number of queries.",
    ]
    best = next((r for r in rows if r["size"] == 100_000), None)
    if best:
        lines.append(
            f"Result: {best['in_app']:.3f} s for 100,000 "
            f"({'met' if best['in_app'] < 0.5 else 'NOT met'}), "
            f"{best['bulk'] / best['in_app']:.1f}× bulk_create "
            f"({'met' if best['bulk'] / best['in_app'] >= 4 else 'NOT met'}), centre "
            f"{'constant' if one == thousand else 'NOT constant'}."
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_write:
        out = ROOT / "bench" / "results" / f"fanout-{datetime.date.today().isoformat()}.md"
        out.write_text(report)
        print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
