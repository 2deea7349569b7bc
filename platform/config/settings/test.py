"""Tests: PostgreSQL + PostGIS (DATABASE_URL, local server by default)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/voisinage")

from .base import *  # noqa: F403
from .base import Q_CLUSTER, VAR_DIR

SECRET_KEY = "test-only-not-secret"  # noqa: S105
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LW5vdC1zZWNyZXQta2V5LW1hdGVyaWE="]  # test only
BLIND_INDEX_KEY = "test-only-blind-index-key"
POLL_BALLOT_KEYS = ["dGVzdC1vbmx5LW5vdC1zZWNyZXQtcG9sbC1rZXktMDE="]  # test only
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
REAL_SENDING = False
ANYMAIL = {}
NOTIFICATIONS_EMAIL_MERGE_FIELD = ""
WEBPUSH_VAPID_PRIVATE_KEY = ""
FCM_SERVICE_ACCOUNT = None
MEDIA_ROOT = VAR_DIR / "test-media"
PRIVATE_MEDIA_ROOT = Path(tempfile.gettempdir()) / "voisinage-test-private-media"
# Nothing in a test reaches the internet: providers point at a closed local port
# unless a test starts a fake server (tests/fakes/).
GEOCODER_BAN_URL = "http://127.0.0.1:9/ban/"
GEOCODER_NOMINATIM_URL = "http://127.0.0.1:9/nominatim/"
MAP_TILES_URL = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
Q_CLUSTER.pop("redis", None)
Q_CLUSTER["orm"] = "default"
# A real worker (tests/e2e/test_worker_sms.py starts
# `manage.py qcluster` with these settings): Q_SYNC=0 queues tasks on a broker, the
# ORM one or Redis when Q_REDIS_URL names it; Q_GUARD_CYCLE sets how often (seconds)
# the cluster's guard loop runs, and so how soon its scheduler first runs (it runs
# when the cycles add up to 30 s); SMS_FILE_PATH makes SMS lines of JSON in that file.
if os.environ.get("Q_SYNC") == "0":
    Q_CLUSTER.update(
        sync=False,
        workers=int(os.environ.get("Q_WORKERS", "1")),
        guard_cycle=float(os.environ.get("Q_GUARD_CYCLE", "0.5")),
    )
    if os.environ.get("Q_REDIS_URL"):
        Q_CLUSTER.pop("orm")
        Q_CLUSTER["redis"] = os.environ["Q_REDIS_URL"]
if os.environ.get("SMS_FILE_PATH"):
    SMS_FILE_PATH = os.environ["SMS_FILE_PATH"]
    SMS_BACKEND = "notifications.sms.FileSmsBackend"
# Abuse control (core.abuse): volume tests write 30 items or more as one new account
# within a second, often with the same text; the limits are far above that here (the
# checks still run). tests/platform/core/test_abuse.py sets real ones with ``settings``.
ABUSE_LIMITS = {
    action: (500, 500)
    for action in (
        "comment",
        "post",
        "message",
        "thread",
        "classified",
        "suggestion",
        "problem_report",
    )
}
ABUSE_REPEAT_THRESHOLD = 50
# Each test process its own cache, whatever REDIS_URL says (tests clear it freely).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# A tiny module built by following docs/modules.md (tests/example_module): installed in
# the tests only, where the registry-wide conformance test checks it like the others.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.example_module"]  # noqa: F405
