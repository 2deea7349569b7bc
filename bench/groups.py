"""``make bench-groups``: a discussion group of 10,000 posts (CNT-4, issue 16).

On PostgreSQL, a commune with 60 groups (one of 10,000 posts and replies, the others of
500 each: 39,500 more comments on the same index, plus comments on other targets), for a
validated resident who visited some groups before:

* **group list**: the list page as the site and the API build it
  (``selectors.groups_for_list`` through the cursor pagination: membership, unread count
  since the previous visit, pinned first);
* **posts page**: one page of the 10,000-post group (``posts_of`` through
  conversations' ``CommentCursorPagination`` on the ``comment_target_idx`` index, then the
  replies and the authors' cards through the privacy matrix: ``conversations.threads``),
  first page and a page deep in the group (cursor), with the visit recorded
  (``group_seen``: conversations' read marker) on the first one.

Each figure is the SQL time (the sum of the queries' durations measured around the
database driver), the best of ``--repeat`` runs, and the number of queries. Target: under
50 ms of SQL per page. The table is printed and written to
``bench/results/groups-<date>.md``.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/voisinage_bench_groups python bench/groups.py
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

setup("postgis://postgres@127.0.0.1:5432/voisinage_bench_groups")

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.request import Request  # noqa: E402

from communes.models import Commune, Follow  # noqa: E402
from conversations.models import Comment, ReadMarker  # noqa: E402
from conversations.pagination import CommentCursorPagination  # noqa: E402
from conversations.selectors import mark_new, previous_visit  # noqa: E402
from conversations.threads import attach_replies  # noqa: E402
from modules.groups.models import Group, GroupMember  # noqa: E402
from modules.groups.pagination import GroupCursorPagination  # noqa: E402
from modules.groups.selectors import groups_for_list, posts_of, readable_unread  # noqa: E402
from modules.groups.services import group_seen  # noqa: E402

POSTS = 10_000
GROUPS = 60
OTHER_POSTS = 500
PEOPLE = 200
READER = "lectrice@bench-groups.example"


def ensure_world():
    from tests.factories import HostingPartnerFactory, make_commune

    User = get_user_model()
    reader = User.objects.filter(email=READER).first()
    big = Group.objects.filter(title="Grand groupe").first()
    if reader is not None and big is not None:
        return reader, big
    print("creating the groups and their posts…", flush=True)
    commune = Commune.objects.filter(slug="bench-groupes").first() or make_commune(
        HostingPartnerFactory(),
        name="Bench-Groupes",
        slug="bench-groupes",
        hostname="bench-groupes.localhost",
        official_code="99998",
        postal_codes="99998",
    )
    reader = User.objects.create(email=READER, first_name="Léa", last_name="Lectrice", password="!")
    people = User.objects.bulk_create(
        [
            User(
                email=f"voisin{i}@bench-groups.example",
                first_name="Voisin",
                last_name=str(i),
                password="!",
            )
            for i in range(PEOPLE)
        ]
    )
    now = timezone.now()
    Follow.objects.bulk_create(
        [
            Follow(user=person, commune=commune, status=Follow.Status.VALIDATED)
            for person in [reader, *people]
        ]
    )
    groups = Group.objects.bulk_create(
        [
            Group(
                commune=commune,
                title="Grand groupe" if i == 0 else f"Groupe {i}",
                description="Un groupe du banc d'essai.",
                access=Group.Access.OPEN if i % 4 else Group.Access.ON_REQUEST,
                pinned=i < 3,
                created_at=now - datetime.timedelta(days=i),
                last_post_at=now,
            )
            for i in range(GROUPS)
        ]
    )
    GroupMember.objects.bulk_create(
        [
            GroupMember(group=group, user=reader, status=GroupMember.Status.ACCEPTED)
            for group in groups[::2]
        ]
    )
    group_type = ContentType.objects.get_for_model(Group)
    for index, group in enumerate(groups):
        count = POSTS if index == 0 else OTHER_POSTS
        tops = Comment.objects.bulk_create(
            [
                Comment(
                    commune=commune,
                    target_type=group_type,
                    target_id=group.pk,
                    author=people[k % PEOPLE],
                    body=f"Message {k} du groupe {index}",
                    created_at=now - datetime.timedelta(minutes=2 * (count - k)),
                )
                for k in range(count * 4 // 5)
            ],
            batch_size=5_000,
        )
        Comment.objects.bulk_create(
            [
                Comment(
                    commune=commune,
                    target_type=group_type,
                    target_id=group.pk,
                    parent=tops[k * 4],
                    author=people[(k + 1) % PEOPLE],
                    body=f"Réponse {k}",
                    created_at=tops[k * 4].created_at + datetime.timedelta(seconds=30),
                )
                for k in range(count // 5)
            ],
            batch_size=5_000,
        )
    # The reader visited every other group an hour ago.
    ReadMarker.objects.bulk_create(
        [
            ReadMarker(
                user=reader,
                target_type=group_type,
                target_id=group.pk,
                seen_at=now - datetime.timedelta(hours=1),
            )
            for group in groups[1::2]
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return reader, groups[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    ensure_database()
    reader, big = ensure_world()
    big = Group.objects.select_related("commune").get(pk=big.pk)
    factory = RequestFactory()

    def request(path: str):
        raw = factory.get(path)
        raw.user = reader
        return Request(raw)

    def group_list():
        paginator = GroupCursorPagination()
        rows = list(
            paginator.paginate_queryset(groups_for_list(reader, big.commune), request("/groupes/"))
        )
        readable_unread(reader, rows, manager=False)
        assert len(rows) == GroupCursorPagination.page_size
        return rows

    def posts_page(path="/groupes/1/", *, mark=False):
        paginator = CommentCursorPagination()
        page = list(paginator.paginate_queryset(posts_of(big), request(path)))
        replies = attach_replies(reader, page)
        since = group_seen(user=reader, group=big) if mark else previous_visit(reader, big)
        mark_new([*page, *replies], viewer=reader, since=since)
        assert len(page) == CommentCursorPagination.page_size
        return paginator

    paginator = posts_page()
    for _ in range(25):  # page 26: 500 posts down
        paginator_link = paginator.get_next_link()
        deep = paginator_link.split("?", 1)[1]
        paginator = posts_page(f"/groupes/1/?{deep}")

    rows = [
        (f"group list ({GROUPS} groups), first page", *measure(group_list, args.repeat)),
        (
            f"group of {POSTS:,} posts, first page (visit recorded)",
            *measure(lambda: posts_page(mark=True), args.repeat),
        ),
        (
            f"group of {POSTS:,} posts, page 26 (cursor)",
            *measure(lambda: posts_page(f"/groupes/1/?{deep}"), args.repeat),
        ),
    ]
    plan = explain(posts_of(big)[:21])
    list_plan = explain(groups_for_list(reader, big.commune)[:21])
    lines = [
        f"# Groups benchmark – {datetime.date.today().isoformat()}",
        "",
        machine(),
        f"{Group.objects.count():,} groups, {Comment.objects.count():,} comments "
        f"({POSTS:,} in the big group, a fifth of them replies). "
        f"SQL time, best of {args.repeat} runs.",
        "",
        *sql_table(rows),
    ]
    lines += ["", "Plan of the posts page query (index `comment_target_idx`):", "", "```", *plan]
    lines += ["```", "", "Plan of the group list query:", "", "```", *list_plan, "```"]
    write_report("groups", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
