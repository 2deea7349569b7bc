"""``make bench-reports``: 100,000 reports of problems, the nearby lookup and the map (issue 19).

On PostgreSQL + PostGIS, one commune with 100,000 reports spread over 10 km × 10 km in
six categories (a third of them closed), and 12 validated residents:

* **nearby**: ``selectors.nearby_open`` (what the report form and the apps' ``nearby/``
  endpoint ask before a report is sent: the open reports of the same category within
  50 m) at 500 random points: median, 95th centile and worst wall time, SQL time and
  queries, and the query plan (it must use the GiST index on ``location``, not a
  sequential scan). Target: under 5 ms at the 95th centile;
* **map**: ``GET /api/v1/communes/<slug>/reports/map/`` as a validated resident over the
  10,000 most recent reports (``?limit`` is not a thing: a commune whose 10,000 reports
  are all open: a second commune), SQL time, queries and the size of the GeoJSON. Target:
  a number of queries that does not depend on the 10,000 reports, under 500 ms of SQL;
* **list**: the first page of ``GET /api/v1/communes/<slug>/reports/`` and of the site's
  ``/problemes/`` list (through ``django.test.Client``) among the 100,000, SQL time and
  queries. Target: under 50 ms (the index ``report_recent_idx`` gives the newest page
  without sorting them all: 236 ms before it);
* **create**: ``services.report_create`` with a point (no photo): SQL time and queries.

Each SQL figure is the time spent in the database driver (``bench._common.SqlTimer``),
the best of ``--repeat`` runs unless said otherwise. The report is printed and written to
``bench/results/reports-<date>.md``.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/voisinage_bench_reports python bench/reports.py
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from bench._common import (  # noqa: E402
    SqlTimer,
    ensure_database,
    machine,
    measure,
    setup,
    sql_table,
    write_report,
)

setup("postgis://postgres@127.0.0.1:5432/voisinage_bench_reports")

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import DeviceToken  # noqa: E402
from communes.models import Commune, Follow  # noqa: E402
from modules.reports import selectors, services  # noqa: E402
from modules.reports.models import Category, Report  # noqa: E402

REPORTS = 100_000
MAP_REPORTS = 10_000
LOOKUPS = 500
SLUG = "bench-signalements"
MAP_SLUG = "bench-carte"
DOMAIN = "bench-reports.example"
READER = f"lecteur@{DOMAIN}"
# A 10 km square around Saint-Malo's town hall (degrees): 0.09° of latitude, 0.136° of
# longitude at 48.65° N.
CENTRE = (48.6493, -2.0253)
SPAN = (0.09, 0.136)
CATEGORIES = ["Voirie", "Éclairage", "Propreté", "Espaces verts", "Signalisation", "Autre"]
NEARBY_TARGET = 0.005
MAP_TARGET = 0.5
LIST_TARGET = 0.05  # a page of 20 among 100,000: the newest read off an index


def _commune(slug: str, name: str, code: str):
    from tests.factories import HostingPartnerFactory, make_commune

    commune = Commune.objects.filter(slug=slug).first()
    return commune or make_commune(
        HostingPartnerFactory(),
        name=name,
        slug=slug,
        hostname=f"{slug}.localhost",
        official_code=code,
        postal_codes=code,
    )


def _fill(commune, count: int, *, closed_share: float, seed: int) -> None:
    """``count`` reports at random points of the square, by bulk_create (no services)."""
    have = Report.objects.filter(commune=commune).count()
    if have >= count:
        return
    categories = [
        Category.objects.get_or_create(commune=commune, name=name, defaults={"position": i})[0]
        for i, name in enumerate(CATEGORIES)
    ]
    rng = random.Random(seed)
    now = timezone.now()
    closed = [Report.Status.RESOLVED, Report.Status.REJECTED]
    opened = [Report.Status.NEW, Report.Status.ACKNOWLEDGED, Report.Status.IN_PROGRESS]
    batch: list[Report] = []
    for i in range(have, count):
        lat = CENTRE[0] + (rng.random() - 0.5) * SPAN[0]
        lon = CENTRE[1] + (rng.random() - 0.5) * SPAN[1]
        status = rng.choice(closed) if rng.random() < closed_share else rng.choice(opened)
        batch.append(
            Report(
                commune=commune,
                category=categories[i % len(categories)],
                title=f"Problème {i}",
                description="Décrit pour le banc d'essai.",
                address=f"{i} rue du Banc",
                location=Point(lon, lat, srid=4326),
                location_source=Report.Source.MAP,
                status=status,
                created_at=now - datetime.timedelta(minutes=i),
                updated_at=now - datetime.timedelta(minutes=i),
            )
        )
        if len(batch) == 5_000:
            Report.objects.bulk_create(batch)
            batch = []
    if batch:
        Report.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Report._meta.db_table}")


def ensure_world():
    User = get_user_model()
    print("preparing 100,000 reports (first run only)…", flush=True)
    commune = _commune(SLUG, "Bench-Signalements", "99995")
    map_commune = _commune(MAP_SLUG, "Bench-Carte", "99994")
    _fill(commune, REPORTS, closed_share=1 / 3, seed=19)
    _fill(map_commune, MAP_REPORTS, closed_share=0.0, seed=311)
    reader = User.objects.filter(email=READER).first()
    if reader is None:
        reader = User.objects.create(
            email=READER, first_name="Léo", last_name="Lecteur", password="!"
        )
    for place in (commune, map_commune):
        Follow.objects.get_or_create(
            user=reader, commune=place, defaults={"status": Follow.Status.VALIDATED}
        )
    return commune, map_commune, reader


def nearby_rows(commune):
    rng = random.Random(50)
    categories = list(Category.objects.filter(commune=commune))
    points = [
        (
            CENTRE[0] + (rng.random() - 0.5) * SPAN[0],
            CENTRE[1] + (rng.random() - 0.5) * SPAN[1],
            rng.choice(categories),
        )
        for _ in range(LOOKUPS)
    ]
    selectors.nearby_open(
        commune=commune, category=categories[0], latitude=CENTRE[0], longitude=CENTRE[1]
    )  # warm
    walls, sqls, queries, found = [], [], set(), 0
    for lat, lon, category in points:
        timer = SqlTimer()
        begin = time.perf_counter()
        with connection.execute_wrapper(timer):
            near = selectors.nearby_open(
                commune=commune, category=category, latitude=lat, longitude=lon
            )
        walls.append(time.perf_counter() - begin)
        sqls.append(timer.seconds)
        queries.add(timer.queries)
        found += len(near)
    return walls, sqls, queries, found


def nearby_plan(commune) -> list[str]:
    """EXPLAIN ANALYZE of the SQL ``nearby_open`` runs, captured on a real call."""
    captured: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    category = Category.objects.filter(commune=commune).first()
    with connection.execute_wrapper(capture):
        selectors.nearby_open(
            commune=commune, category=category, latitude=CENTRE[0], longitude=CENTRE[1]
        )
    sql, params = next((s, p) for s, p in captured if Report._meta.db_table in s)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def api_rows(commune, map_commune, reader, repeat: int):
    _token, key = DeviceToken.issue(user=reader, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    sizes: dict[str, int] = {}

    def map_call():
        response = client.get(f"/api/v1/communes/{MAP_SLUG}/reports/map/")
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert len(body["features"]) == MAP_REPORTS, len(body["features"])
        sizes["map"] = len(response.content)

    def list_call():
        response = client.get(f"/api/v1/communes/{SLUG}/reports/")
        assert response.status_code == 200, response.content[:300]

    site = Client()
    site.force_login(reader)

    def site_call():
        response = site.get("/problemes/", HTTP_HOST=f"{SLUG}.localhost")
        assert response.status_code == 200, response.content[:300]

    map_call()
    list_call()
    site_call()
    map_wall = []
    for _ in range(repeat):
        begin = time.perf_counter()
        map_call()
        map_wall.append(time.perf_counter() - begin)
    rows = [
        (f"GET …/{MAP_SLUG}/reports/map/ ({MAP_REPORTS:,} features)", *measure(map_call, repeat)),
        (f"GET …/{SLUG}/reports/ (first page)", *measure(list_call, repeat)),
        ("site /problemes/ (first page)", *measure(site_call, repeat)),
    ]
    author = reader
    category = Category.objects.filter(commune=commune).first()
    counter = iter(range(10_000))

    def create():
        n = next(counter)
        services.report_create(
            commune=commune,
            author=author,
            category=category,
            title=f"Créé au banc {n}",
            description="Un problème de plus.",
            latitude=CENTRE[0] + n * 1e-4,
            longitude=CENTRE[1],
        )

    from django.test import override_settings

    with override_settings(ABUSE_LIMITS={"problem_report": (0, 0)}):
        rows.append(("services.report_create (a point, no photo)", *measure(create, repeat)))
    Report.objects.filter(commune=commune, title__startswith="Créé au banc").delete()
    return rows, sizes["map"], min(map_wall)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    ensure_database()
    commune, map_commune, reader = ensure_world()
    walls, sqls, queries, found = nearby_rows(commune)
    plan = nearby_plan(commune)
    rows, map_bytes, map_wall = api_rows(commune, map_commune, reader, args.repeat)
    p95 = statistics.quantiles(walls, n=20)[-1]
    uses_index = any("Index" in line and "location" in line for line in plan) or any(
        "Bitmap Index Scan" in line for line in plan
    )
    lines = [
        f"# Reports of problems benchmark – {datetime.date.today().isoformat()}",
        "",
        machine(),
        f"One commune with {REPORTS:,} reports over 10 km × 10 km in {len(CATEGORIES)} "
        f"categories (a third closed); another with {MAP_REPORTS:,} open reports.",
        "",
        f"## Nearby: open reports of the same category within 50 m ({LOOKUPS} lookups)",
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        f"| median (wall, ms) | {ms(statistics.median(walls))} | |",
        f"| 95th centile (wall, ms) | {ms(p95)} | < {NEARBY_TARGET * 1000:.0f} ms: "
        f"{'met' if p95 < NEARBY_TARGET else 'NOT met'} |",
        f"| worst (wall, ms) | {ms(max(walls))} | |",
        f"| median SQL (ms) | {ms(statistics.median(sqls))} | |",
        f"| queries per lookup | {', '.join(str(q) for q in sorted(queries))} | 1 |",
        f"| reports found, all lookups | {found} | |",
        f"| plan uses the spatial index | {'yes' if uses_index else 'NO'} | yes |",
        "",
        "```",
        *plan,
        "```",
        "",
        "## API and site (SQL time, best of the runs)",
        "",
        *sql_table(rows[:1], limit=MAP_TARGET),
        "",
        *sql_table(rows[1:], limit=LIST_TARGET),
        "",
        f"The map's GeoJSON: {map_bytes / 1024:,.0f} KiB for {MAP_REPORTS:,} reports; "
        f"the whole request took {map_wall * 1000:.0f} ms (best wall time, test client).",
    ]
    write_report("reports", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
