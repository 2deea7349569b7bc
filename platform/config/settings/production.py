"""Production: everything sensitive comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BLIND_INDEX_KEY, FIELD_ENCRYPTION_KEYS, POLL_BALLOT_KEYS, SECRET_KEY

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not FIELD_ENCRYPTION_KEYS or not BLIND_INDEX_KEY:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set in production (docs/deploy.md)."
    )
if not POLL_BALLOT_KEYS:
    raise ImproperlyConfigured(
        "POLL_BALLOT_KEYS must be set in production: poll ballots are sealed with it "
        '(docs/deploy.md, "Poll ballot keys").'
    )
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL + PostGIS in production.")

DEBUG = False
REAL_SENDING = True  # the only settings that may reach e-mail, SMS and push providers
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("ANYMAIL_ESP"):
    # e.g. ANYMAIL_ESP=brevo → anymail.backends.brevo.EmailBackend, with its
    # keys in ANYMAIL_* variables read by anymail itself.
    EMAIL_BACKEND = f"anymail.backends.{os.environ['ANYMAIL_ESP']}.EmailBackend"
