"""``make bench-moderation``: the moderators' queue with 10,000 open cases (CNT-5, issue 17).

On PostgreSQL, 10,000 waiting cases (news comments of 20 communes, each with 1 to 3
reports among 30,000) and ``--decided`` decided cases (history), read as the Wagtail
admin's queue reads them (``moderation.admin_views.queue_cases``, the page of 50 through
Django's paginator, then ``attach_details``: the count, the rows sorted on the case table
alone, then the page's communes, communities and reasons):

* **platform staff**: the first page, a page deep in the list (page 100), filtered by
  reason, waiting more than 48 hours;
* **town-hall staff** of one commune (the scope: their commune's own spaces);
* **menu count**: the "Modération (n)" entry (``admin_views.menu_state``), for platform
  staff and for the town hall (one query each).

Each figure is the SQL time (the sum of the queries' durations measured around the
database driver), the best of ``--repeat`` runs, and the number of queries. Target: under
50 ms of SQL per page. The table is printed and written to
``bench/results/moderation-<date>.md``.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/voisinage_bench_moderation \
        python bench/moderation_queue.py
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

setup("postgis://postgres@127.0.0.1:5432/voisinage_bench_moderation")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.staff import platform_staff_group  # noqa: E402
from communes.models import Commune, StaffRole  # noqa: E402
from moderation import admin_views  # noqa: E402
from moderation.models import Case, Reason, Report  # noqa: E402

OPEN = 10_000
COMMUNES = 20
MODERATOR = "moderatrice@bench-moderation.example"
CLERK = "mairie@bench-moderation.example"
WAITING = {"status": "waiting", "kind": "", "commune": "", "reason": "", "age": ""}
REASONS = [Reason.SPAM, Reason.HARASSMENT, Reason.FALSE_INFORMATION, Reason.OTHER]


def ensure_world(decided: int):
    from tests.factories import HostingPartnerFactory, make_commune
    from tests.follows import grant

    User = get_user_model()
    moderator = User.objects.filter(email=MODERATOR).first()
    clerk = User.objects.filter(email=CLERK).first()
    if moderator is not None and clerk is not None and Case.objects.count() >= OPEN:
        return moderator, clerk
    print("creating the cases and their reports…", flush=True)
    partner = HostingPartnerFactory()
    communes = [
        Commune.objects.filter(slug=f"bench-mod-{i}").first()
        or make_commune(
            partner,
            name=f"Bench-Modération {i}",
            slug=f"bench-mod-{i}",
            hostname=f"bench-mod-{i}.localhost",
            official_code=f"9{i:04d}",
            postal_codes=f"9{i:04d}",
        )
        for i in range(COMMUNES)
    ]
    moderator = User.objects.create(
        email=MODERATOR, first_name="Modé", last_name="Ratrice", password="!"
    )
    moderator.groups.add(platform_staff_group())
    clerk = User.objects.create(email=CLERK, first_name="Claire", last_name="Mairie", password="!")
    grant(communes[0], clerk, StaffRole.Role.COUNCIL)
    people = User.objects.bulk_create(
        [
            User(
                email=f"voisin{i}@bench-moderation.example",
                first_name="Voisin",
                last_name=str(i),
                password="!",
            )
            for i in range(300)
        ]
    )
    now = timezone.now()
    cases = []
    for i in range(OPEN + decided):
        waiting = i < OPEN
        opened = now - datetime.timedelta(minutes=7 * i)
        cases.append(
            Case(
                kind="conversations.comment",
                object_id=1_000_000 + i,
                commune=communes[i % COMMUNES],
                town_hall=True,
                author=people[i % 300],
                excerpt=f"Commentaire signalé numéro {i}, assez long pour ressembler à un vrai.",
                status=Case.Status.NEW if waiting else Case.Status.DECIDED,
                decision="" if waiting else "keep",
                report_count=1 + i % 3,
                opened_at=opened,
                last_reported_at=opened + datetime.timedelta(minutes=3),
            )
        )
    cases = Case.objects.bulk_create(cases, batch_size=5_000)
    reports = [
        Report(
            case=case,
            reporter=people[(i * 7 + k) % 300],
            reason=REASONS[(i + k) % len(REASONS)],
            created_at=case.opened_at,
        )
        for i, case in enumerate(cases)
        for k in range(case.report_count)
    ]
    Report.objects.bulk_create(reports, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return moderator, clerk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--decided", type=int, default=40_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    ensure_database()
    moderator, clerk = ensure_world(args.decided)
    factory = RequestFactory()

    def request_of(user):
        request = factory.get("/admin/moderation/")
        request.user = user
        return request

    def queue_page(user, page: int = 1, **filters):
        chosen = {**WAITING, **filters}
        paginator = Paginator(admin_views.queue_cases(request_of(user), chosen), 50)
        rows = admin_views.attach_details(list(paginator.get_page(page).object_list))
        assert rows, "an empty page measures nothing"
        return rows

    def menu(user):
        return admin_views.menu_state(request_of(user))

    assert Case.objects.waiting().count() == OPEN
    queue_page(moderator)  # warm the process (content types, the staff group)
    queue_page(clerk)
    rows = [
        ("platform staff, first page", *measure(lambda: queue_page(moderator), args.repeat)),
        ("platform staff, page 100", *measure(lambda: queue_page(moderator, 100), args.repeat)),
        (
            "platform staff, reason 'harassment'",
            *measure(lambda: queue_page(moderator, reason="harassment"), args.repeat),
        ),
        (
            "platform staff, waiting > 48 h",
            *measure(lambda: queue_page(moderator, age="48h"), args.repeat),
        ),
        ("town hall of one commune, first page", *measure(lambda: queue_page(clerk), args.repeat)),
        ("menu count, platform staff", *measure(lambda: menu(moderator), args.repeat)),
        ("menu count, town hall", *measure(lambda: menu(clerk), args.repeat)),
    ]
    plan = explain(admin_views.queue_cases(request_of(moderator), WAITING)[:50])
    lines = [
        f"# Moderation queue benchmark – {datetime.date.today().isoformat()}",
        "",
        machine(),
        f"{Case.objects.waiting().count():,} waiting cases among {Case.objects.count():,} "
        f"({Report.objects.count():,} reports) in {COMMUNES} communes. SQL time, best of "
        f"{args.repeat} runs; a page is 50 cases (the count, the rows, then the page's "
        "communes, communities and reasons).",
        "",
        *sql_table(rows),
    ]
    lines += [
        "",
        "The filter by reason reads the reports (``Exists`` on ``moderation_report``) "
        "through the index ``(reason, case)`` (migration ``moderation`` 0002). Without it "
        "the page's count scanned every report: 42 to 110 ms in the first runs of this "
        "benchmark, growing with the reports.",
        "",
        "Plan of the first page's rows (platform staff):",
        "",
        "```",
        *plan,
        "```",
    ]
    write_report("moderation", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
