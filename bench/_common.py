"""What the benchmarks share: Django on the bench settings and the bench's own PostgreSQL
database (created and migrated on the first run), the SQL time of a page and the report.

A benchmark script starts with::

    ROOT = Path(__file__).resolve().parents[1]
    sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
    from bench._common import setup  # noqa: E402

    setup("postgis://postgres@127.0.0.1:5432/voisinage_bench_<name>")

then imports the project's code (``setup`` has run ``django.setup()``).
"""

from __future__ import annotations

import datetime
import os
import platform as host
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def setup(database_url: str | None = None) -> None:
    """Django on ``bench.settings``; ``database_url`` unless DATABASE_URL is set (make's)."""
    if database_url:
        os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def ensure_database() -> None:
    """Create the bench's database when it does not exist, then migrate it."""
    from django.core.management import call_command
    from django.db import connection, connections
    from psycopg import connect

    name = connection.settings_dict["NAME"]
    with connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    connections.close_all()
    call_command("migrate", verbosity=0)


class SqlTimer:
    """Sums the time spent in the database driver (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


def measure(function: Callable[[], Any], repeat: int) -> tuple[float, int]:
    """The best SQL time of ``repeat`` runs of ``function``, and its number of queries."""
    from django.db import connection

    best, queries = None, 0
    for _ in range(repeat):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            function()
        if best is None or timer.seconds < best:
            best, queries = timer.seconds, timer.queries
    return best or 0.0, queries


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def explain(queryset) -> list[str]:
    """PostgreSQL's EXPLAIN ANALYZE of ``queryset``, line by line."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        return [line[0] for line in cursor.fetchall()]


def machine() -> str:
    return (
        f"Machine: {os.cpu_count()} CPU, Python {host.python_version()}, "
        f"PostgreSQL {server_version()}."
    )


def sql_table(rows: Iterable[tuple[str, float, int]], *, limit: float = 0.05) -> list[str]:
    """A Markdown table of (page, SQL seconds, queries) against a target of ``limit`` s."""
    lines = [
        f"| page | SQL ms | queries | target < {limit * 1000:.0f} ms |",
        "|---|---:|---:|---|",
    ]
    for label, seconds, queries in rows:
        ok = "met" if seconds < limit else "NOT met"
        lines.append(f"| {label} | {seconds * 1000:.1f} | {queries} | {ok} |")
    return lines


def write_report(name: str, lines: list[str], *, write: bool = True) -> None:
    """Print the report; unless told not to, write it to bench/results/<name>-<date>.md."""
    report = "\n".join(lines) + "\n"
    print(report)
    if write:
        out = ROOT / "bench" / "results" / f"{name}-{datetime.date.today().isoformat()}.md"
        out.write_text(report)
        print(f"written to {out.relative_to(ROOT)}")
