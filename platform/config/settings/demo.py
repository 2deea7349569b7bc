"""The embedded demo: SQLite + SpatiaLite, ORM broker, console email and SMS.

The demo runs like production for its visitors: DEBUG is off (the theme's French 404
and 500 pages, never Django's debug pages), static files are collected and served by
WhiteNoise with hashed names, and uploaded media are served by a demo-only route
(``SERVE_MEDIA``; production leaves them to the web server). ``DJANGO_DEBUG=1`` turns
DEBUG on for a developer.
"""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
SECRET_KEY = "demo-only-not-secret"  # noqa: S105
FIELD_ENCRYPTION_KEYS = ["ZGVtby1vbmx5LW5vdC1zZWNyZXQta2V5LW1hdGVyaWE="]  # demo only
BLIND_INDEX_KEY = "demo-only-blind-index-key"
POLL_BALLOT_KEYS = ["ZGVtby1vbmx5LW5vdC1zZWNyZXQtcG9sbC1rZXktMDE="]  # demo only
ALLOWED_HOSTS = [".localhost", "localhost", "127.0.0.1", "[::1]"]
WAGTAILADMIN_BASE_URL = "http://localhost:8000"

# A demo can never send a real email.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
SMS_BACKEND = "notifications.sms.ConsoleSmsBackend"
REAL_SENDING = False
ANYMAIL = {}
NOTIFICATIONS_EMAIL_MERGE_FIELD = ""
FCM_SERVICE_ACCOUNT = None

MEDIA_ROOT = VAR_DIR / "media"
# Uploaded images and photos: production's web server serves MEDIA_ROOT; the demo has
# none, so config/urls.py mounts a route for it (documents go through Wagtail's view).
SERVE_MEDIA = True

# As in production: `make demo-data` runs collectstatic, WhiteNoise serves the hashed,
# compressed files. With DJANGO_DEBUG=1 files are read from the sources as they change.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
