"""The embedded demo: SQLite + SpatiaLite, ORM broker, console email and SMS."""

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = True
SECRET_KEY = "demo-only-not-secret"  # noqa: S105
FIELD_ENCRYPTION_KEYS = ["ZGVtby1vbmx5LW5vdC1zZWNyZXQta2V5LW1hdGVyaWE="]  # demo only
BLIND_INDEX_KEY = "demo-only-blind-index-key"
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
