"""A real ``manage.py qcluster`` on the test database, for tests of tasks and schedules
as the worker runs them (the brief: "tasks and schedules are tested through a real
qcluster process too")."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def start(tmp_path: Path, *, guard_cycle: int = 15, **env: str) -> subprocess.Popen:
    """Start the worker; its output goes to ``process.log`` (read it with :func:`log`).

    ``guard_cycle``: seconds of django-q2's guard cycle; its scheduler first runs after
    the cycle reaches 30 s, so 15 gives the schedules a run within 30 s and 30 at start.
    ``env``: more environment (a broker, an SMS file). The web side's Redis settings are
    dropped: the ORM broker unless ``env`` names one.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "Q_REDIS_URL", "SMS_BACKEND"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgis://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        Q_SYNC="0",
        Q_WORKERS="1",
        Q_GUARD_CYCLE=str(guard_cycle),
        **env,
    )
    output_path = tmp_path / "qcluster.log"
    with output_path.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its pool, monitor and pusher in one process group
        )
    process.log = output_path  # type: ignore[attr-defined]
    return process


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to the whole group, whatever state it is in."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # children the cluster did not reap
        os.killpg(process.pid, signal.SIGKILL)


def log(process) -> str:
    """The end of the worker's output, for a failure message."""
    return process.log.read_text(errors="replace")[-4000:]
