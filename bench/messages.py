"""``make bench-messages``: an inbox of 1,000 conversations (CNT-3, issue 16).

On PostgreSQL, for one person in 1,000 conversations (each with 3 messages and 2 other
people) among ``--noise`` conversations of other people, and one conversation of 1,000
messages:

* **inbox page**: the SQL of one page of the inbox as the site and the API build it
  (``selectors.inbox`` through the cursor pagination, then ``threads.attach_participants``:
  the sides of the page's conversations and the people's cards through the privacy
  matrix), first page and a page deep in the list (cursor);
* **thread page**: one page of the 1,000-message conversation (``selectors.messages_of``
  through the cursor pagination, then ``threads.attach_authors``);
* **unread count**: the header's count (``selectors.unread_count``).

Each figure is the SQL time (the sum of the queries' durations measured around the
database driver), the best of ``--repeat`` runs, and the number of queries. Target: under
50 ms of SQL per page. The table is printed and written to
``bench/results/messages-<date>.md``.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/voisinage_bench_messages python bench/messages.py
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from bench._common import (  # noqa: E402
    ensure_database,
    explain,
    machine,
    measure,
    setup,
    sql_table,
    write_report,
)

setup("postgis://postgres@127.0.0.1:5432/voisinage_bench_messages")

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.request import Request  # noqa: E402

from messaging import selectors  # noqa: E402
from messaging.models import Message, Participant, Thread  # noqa: E402
from messaging.pagination import InboxCursorPagination, MessageCursorPagination  # noqa: E402
from messaging.threads import attach_authors, attach_participants  # noqa: E402

THREADS = 1_000
LONG_THREAD = 1_000
OWNER = "lecteur@bench-messages.example"


def ensure_world(noise: int):
    User = get_user_model()
    owner = User.objects.filter(email=OWNER).first()
    if owner is not None and Participant.objects.filter(user=owner).count() >= THREADS + 1:
        return owner, Thread.objects.filter(subject="Long").first()
    print("creating the conversations…", flush=True)
    owner = User.objects.create(email=OWNER, first_name="Léa", last_name="Lectrice", password="!")
    people = User.objects.bulk_create(
        [
            User(
                email=f"voisin{i}@bench-messages.example",
                first_name="Voisin",
                last_name=str(i),
                password="!",
            )
            for i in range(200)
        ]
    )
    now = timezone.now()
    total = THREADS + noise
    threads = Thread.objects.bulk_create(
        [
            Thread(
                subject=f"Sujet {i}",
                created_at=now,
                last_message_at=now - datetime.timedelta(minutes=i),
            )
            for i in range(total)
        ],
        batch_size=5_000,
    )
    sides = []
    messages = []
    for i, thread in enumerate(threads):
        mine = i < THREADS
        first = owner if mine else people[i % 200]
        members = [first, people[(i + 1) % 200], people[(i + 7) % 200]]
        for person in members:
            sides.append(
                Participant(
                    thread=thread,
                    user=person,
                    last_message_at=thread.last_message_at,
                    last_read_at=None if i % 3 == 0 else now,
                )
            )
        for k in range(3):
            messages.append(
                Message(
                    thread=thread,
                    author=members[k],
                    body=f"Message {k} du sujet {i}",
                    created_at=thread.last_message_at - datetime.timedelta(seconds=3 - k),
                )
            )
    Participant.objects.bulk_create(sides, batch_size=10_000)
    Message.objects.bulk_create(messages, batch_size=10_000)
    long = Thread.objects.create(subject="Long", created_at=now, last_message_at=now)
    Participant.objects.bulk_create(
        [
            Participant(thread=long, user=owner, last_message_at=now),
            Participant(thread=long, user=people[0], last_message_at=now),
        ]
    )
    Message.objects.bulk_create(
        [
            Message(
                thread=long,
                author=owner if k % 2 else people[0],
                body=f"Réponse {k}",
                created_at=now - datetime.timedelta(seconds=LONG_THREAD - k),
            )
            for k in range(LONG_THREAD)
        ],
        batch_size=10_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return owner, long


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--noise", type=int, default=20_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    ensure_database()
    owner, long = ensure_world(args.noise)
    factory = RequestFactory()

    def inbox_page(path="/messages/"):
        paginator = InboxCursorPagination()
        rows = list(paginator.paginate_queryset(selectors.inbox(owner), Request(factory.get(path))))
        attach_participants(owner, rows)
        assert len(rows) == InboxCursorPagination.page_size
        return paginator

    first = inbox_page()
    deep_cursor = None
    paginator = first
    for _ in range(25):  # page 26: 500 conversations down
        link = paginator.get_next_link()
        deep_cursor = link.split("?", 1)[1]
        paginator = inbox_page(f"/messages/?{deep_cursor}")

    def thread_page():
        paginator = MessageCursorPagination()
        page = list(
            paginator.paginate_queryset(
                selectors.messages_of(long).select_related("thread__commune"),
                Request(factory.get(f"/messages/{long.pk}/")),
            )
        )
        attach_authors(owner, page)
        assert len(page) == MessageCursorPagination.page_size

    rows = [
        ("inbox, first page", *measure(inbox_page, args.repeat)),
        (
            "inbox, page 26 (cursor)",
            *measure(lambda: inbox_page(f"/messages/?{deep_cursor}"), args.repeat),
        ),
        (f"thread of {LONG_THREAD:,} messages, first page", *measure(thread_page, args.repeat)),
        ("unread count (header)", *measure(lambda: selectors.unread_count(owner), args.repeat)),
    ]
    plan = explain(selectors.inbox(owner)[:20])
    total_rows = Participant.objects.count()
    lines = [
        f"# Messages benchmark – {datetime.date.today().isoformat()}",
        "",
        machine(),
        f"One person in {THREADS:,} conversations among {Thread.objects.count():,} "
        f"({total_rows:,} participant rows, {Message.objects.count():,} messages). "
        f"SQL time, best of {args.repeat} runs.",
        "",
        *sql_table(rows),
    ]
    lines += ["", "Plan of the inbox page query (index `msg_inbox_idx`):", "", "```", *plan, "```"]
    write_report("messages", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
