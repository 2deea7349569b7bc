"""Settings shared by every environment; demo, test and production refine them."""

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]
PLATFORM_DIR = BASE_DIR / "platform"
for _entry in (str(BASE_DIR), str(PLATFORM_DIR)):
    if _entry not in sys.path:
        sys.path.insert(0, _entry)

VAR_DIR = Path(os.environ.get("VOISINAGE_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS: list[str] = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]

# --- Applications -----------------------------------------------------------

PLATFORM_APPS = [
    "core",
    "accounts",
    "communes",
    "privacy",
    "notifications",
    "communities",
    "conversations",
    "gazette",
    "messaging",
    "moderation",
    "moderation.support",  # the support desk: its admin hooks (its models are moderation's)
]

# Installable modules: each is a Django app whose AppConfig subclasses
# core.modules.PlatformModule. The registry discovers them from here.
MODULE_APPS = [
    "modules.classifieds",
    "modules.twinning",
    "modules.alerts",
    "modules.groups",
    "modules.polls",
    "modules.suggestions",
    "modules.reports",
]

INSTALLED_APPS = [
    *PLATFORM_APPS,
    *MODULE_APPS,
    "api",
    "demo",  # manage.py load_demo: orchestrates every app, above the layers
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_q",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "leaflet",
    "phonenumber_field",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.gis",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionTimeoutMiddleware",
    "accounts.suspension.SuspensionMiddleware",  # a suspended account's session ends at once
    # Staff two factors (TOTP): OTPMiddleware reads the verified device from the
    # session; StaffTwoFactorMiddleware sends unverified staff to set up or verify.
    "django_otp.middleware.OTPMiddleware",
    "accounts.mfa.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.tenancy.CommuneMiddleware",
    "core.themes.ThemeMiddleware",
    "core.consent.ConsentMiddleware",  # ACC-14: embeds see the consent of the request
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: turns a lockout flagged during the request into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

THEMES_DIR = BASE_DIR / "themes"
DEFAULT_THEME = "default"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
                "notifications.context_processors.notifications",
                "messaging.context_processors.messages_unread",
            ],
            # The theme loader looks in the current commune's theme, then in
            # themes/default, then in the apps' own templates.
            "loaders": [
                (
                    "core.themes.CachedThemeLoader",
                    [
                        "core.themes.ThemeLoader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
# DATABASE_URL (postgis://…) in tests and production; SQLite + SpatiaLite when
# unset, for the demo.

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"spatialite:///{VAR_DIR / 'demo.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
elif DATABASES["default"]["ENGINE"].endswith(("sqlite3", "spatialite")):
    # The demo's web process and its task workers write to one file: transactions take
    # the write lock when they begin (IMMEDIATE) and wait for it up to 20 s instead of
    # failing with "database is locked" halfway; WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("SPATIALITE_LIBRARY_PATH"):
    SPATIALITE_LIBRARY_PATH = os.environ["SPATIALITE_LIBRARY_PATH"]

# --- Accounts ---------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.password_rules.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# Links sent by email: address verification and password reset (Django's
# PASSWORD_RESET_TIMEOUT), change of address.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
EMAIL_CHANGE_LINK_MAX_AGE = 3 * 24 * 3600
PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row

# ACC-3: five wrong passwords in a row lock the account (keyed on the account,
# whatever the IP address) until a new password is chosen through the emailed
# "forgotten password" link (accounts.views.PasswordResetConfirmView).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"  # what AuthenticationForm and authenticate() use
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"  # lower-cased email
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_TIME = None  # locked until the password is reset
# A refused attempt on a locked account is not counted again, and is flagged
# before the signals run, so the audit log can tell a refusal from a lockout.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_CLIENT_STR_CALLABLE = "accounts.security.axes_client_str"  # no email in axes' logs
AXES_SENSITIVE_PARAMETERS = ["username", "email", "ip_address"]
# The client's address: the connection's, or what the project's own reverse proxies saw
# (core/client.py; docs/deploy.md, "Client addresses"). 0: no proxy, X-Forwarded-For ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "core.client.client_address"
AXES_ENABLE_ADMIN = False  # django.contrib.admin is not mounted

# Staff two factors (accounts.mfa): TOTP apps, 10 single-use recovery codes.
# Wrong codes are throttled per device (1, 2, 4, 8… seconds between attempts).
OTP_TOTP_ISSUER = "Voisinage"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Links sent by email: address verification and password reset (Django's
# PASSWORD_RESET_TIMEOUT), change of address.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
EMAIL_CHANGE_LINK_MAX_AGE = 3 * 24 * 3600
PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024

# Site sessions end after 2 hours without a request, and 30 days after login in
# any case (accounts.sessions.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 2 * 3600))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", 30 * 24 * 3600))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# ACC-13: phones, postal address and birth date are encrypted with these Fernet
# keys (newest first; accounts.crypto, docs/deploy.md "Rotating keys"), and
# mobile numbers are found through an HMAC keyed with BLIND_INDEX_KEY. Both are
# kept outside the database, in the environment.
FIELD_ENCRYPTION_KEYS = [k for k in os.environ.get("FIELD_ENCRYPTION_KEYS", "").split(",") if k]
BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY", "")

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = False

# --- Static and media -------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Production's web server serves MEDIA_ROOT; the demo sets SERVE_MEDIA (config/urls.py).
SERVE_MEDIA = False
# Member-only uploads (the gazette's photos and files, CNT-2): never under MEDIA_URL, served
# only by views that check who asks, on every request.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private-media"))
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024  # core.files: an attached document
GAZETTE_PHOTO_MAX_BYTES = 10 * 1024 * 1024  # before re-encoding
GAZETTE_PHOTO_MAX_SIDE = 1600
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
# Each theme's static/ folder is served under /static/themes/<name>/.
STATICFILES_DIRS = [
    (f"themes/{theme.name}", theme / "static")
    for theme in sorted(THEMES_DIR.iterdir())
    if (theme / "static").is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Wagtail ----------------------------------------------------------------

WAGTAIL_SITE_NAME = "Voisinage"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Documents always go through Wagtail's view, which applies collection privacy (the
# référents' kit, CTY-12); "redirect" would hand out the storage's own URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "ods", "docx", "xlsx", "txt", "csv", "png", "jpg"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILAPI_BASE_URL = WAGTAILADMIN_BASE_URL
WAGTAILAPI_LIMIT_MAX = 100
# No Gravatar: staff e-mail hashes never leave for a third party; the admin shows its
# default avatar (and works offline).
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- REST API ---------------------------------------------------------------

# JSON under /api/, Django's page elsewhere (core.views).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 20,
    # DRF's three, the JSON one answering 400 to a document nested too deeply (core/api_parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Versions /api/v1/ by its URL namespace and leaves other DRF views (Wagtail's admin
    # and headless APIs) unversioned: api/versioning.py.
    "DEFAULT_VERSIONING_CLASS": "api.versioning.ApiNamespaceVersioning",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    # Throttles key on the client's address by the same rule as core.client (0: the
    # connection's; DRF's default, None, took a made-up X-Forwarded-For as the client).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "token_create": "10/minute",
        "register": "20/hour",
        "geocoding": "30/minute",
        "account_export": "5/hour",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Voisinage API",
    "DESCRIPTION": (
        "REST API of the Voisinage platform for the mobile apps and integrators. "
        "Commune-scoped resources live under /api/v1/communes/{commune_slug}/; a module "
        "switched off for a commune answers 404 there."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["api.schema.only_v1"],
    # Several APIs have a "category": each choice set named once (alerts' keeps its name).
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "modules.alerts.models.Alert.Category",
        "GazetteCategoryEnum": "gazette.models.Category",
        "SupportStatusEnum": "moderation.models.SupportRequest.Status",
        # Issue 20: the platform staff's and the merges' outputs reuse these statuses.
        "MergeProposalStatusEnum": "communities.models.MergeProposal.Status",
        "MembershipStatusEnum": "communities.models.Membership.Status",
        # Moderation (issue 17): its reasons, actions, kinds and statuses. Its "kind" made
        # the classifieds' one collide: it keeps the name it always had.
        "KindEnum": "modules.classifieds.models.Classified.Kind",
        "ReportReasonEnum": "moderation.models.Reason",
        "ModerationActionEnum": "moderation.models.Action",
        "BulkActionEnum": "moderation.api.BULK_CHOICES",
        "ReportKindEnum": "moderation.api.KIND_CHOICES",
        "CaseStatusEnum": "moderation.models.Case.Status",
        "ReportStatusEnum": "moderation.api.REPORT_STATUS_CHOICES",
    },
}

# --- Background tasks (django-q2) --------------------------------------------
# ORM broker by default (no extra service); REDIS_URL switches to Redis.
# retry > timeout: a task still running is never handed to a second worker.

Q_CLUSTER = {
    "name": "voisinage",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": _("Background tasks"),
}
if os.environ.get("REDIS_URL"):
    Q_CLUSTER["redis"] = os.environ["REDIS_URL"]
else:
    Q_CLUSTER["orm"] = "default"

# --- Cache --------------------------------------------------------------------
# What several processes must agree on lives in the cache: the inbound SMS throttle and
# duplicate check (alerts), SMS providers' OAuth tokens, login lockouts. With REDIS_URL
# it is Redis, shared by every web and task process (production); without, each process
# has its own memory (the demo: one web process and one worker).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "voisinage",
        }
    }

# --- Email and SMS ----------------------------------------------------------

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.sms.ConsoleSmsBackend")
# Only production settings may hand a message to a real provider: elsewhere
# notifications.sms.get_backend refuses any backend but console, locmem and file, and
# the demo and test settings force console/locmem e-mail whatever the environment says.
REAL_SENDING = False

from notifications.push_settings import *  # noqa: E402, F403 - WEBPUSH_*, FCM_*, PUSH_*
from notifications.sms_settings import *  # noqa: E402, F403 - SMS_ORANGE, SMS_OVH, SMS_ROUTES…

# --- Notifications (NOT) ------------------------------------------------------

NOTIFICATIONS_LINK_MAX_AGE = int(os.environ.get("NOTIFICATIONS_LINK_MAX_AGE", 5 * 24 * 3600))
NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE = 90 * 24 * 3600  # RFC 8058 clients call it much later
# Deliveries per task: an ESP batch, a provider's SMS batch, a round of push requests.
NOTIFICATIONS_BATCH_SIZE = {"email": 500, "sms": 100, "push": 200}
NOTIFICATIONS_MAX_ATTEMPTS = 5
NOTIFICATIONS_PARALLEL_SENDS = 4  # tasks draining one event's batches side by side
NOTIFICATIONS_SWEEP_DAYS = 2  # how far back the sweeper looks for unsent deliveries
NOTIFICATIONS_DIGEST_MAX_ITEMS = 50
NOTIFICATIONS_SMS_MAX_LENGTH = 306  # two concatenated GSM-7 SMS
# The ESP's merge-field syntax turns on anymail batch sends ("%recipient.{}%" for
# Mailgun, "{{{{params.{}}}}}" for Brevo…); empty: one message per recipient.
NOTIFICATIONS_EMAIL_MERGE_FIELD = os.environ.get("NOTIFICATIONS_EMAIL_MERGE_FIELD", "")
ANYMAIL = {
    key: os.environ[f"ANYMAIL_{key}"]
    for key in (
        "WEBHOOK_SECRET",
        "MAILGUN_API_KEY",
        "MAILGUN_SENDER_DOMAIN",
        "MAILGUN_WEBHOOK_SIGNING_KEY",
        "BREVO_API_KEY",
        "POSTMARK_SERVER_TOKEN",
        "SENDGRID_API_KEY",
    )
    if os.environ.get(f"ANYMAIL_{key}")
}

# --- Neighbourhood communities (CTY) ------------------------------------------------

COMMUNITY_MAX_AREA_M2 = 1_000_000  # CTY-2: 1 km², unless platform staff lift the cap
COMMUNITY_ESCALATION_DAYS = 15  # CTY-5: undecided requests go to platform staff
COMMUNITY_INVITATIONS_PER_DAY = 20  # CTY-10: per sender, over any 24 hours
COMMUNITY_INVITATION_MAX_AGE = 14 * 24 * 3600  # seconds a signed invitation link lasts
COMMUNITY_NEAR_METERS = 2000  # "communities near me" on the map
TWINNING_MAX_DISTANCE_M = 2000  # TWN-1: farthest community a référent may twin with
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Voisinage <ne-pas-repondre@localhost>")

# --- Maps -------------------------------------------------------------------

LEAFLET_CONFIG: dict[str, Any] = {
    "DEFAULT_CENTER": (46.6, 1.9),
    "DEFAULT_ZOOM": 6,
    "RESET_VIEW": False,
}

# Map tiles of the site's maps ({s}, {z}, {x}, {y}: Leaflet's placeholders).
MAP_TILES_URL = os.environ.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = os.environ.get("MAP_TILES_ATTRIBUTION", "© OpenStreetMap contributors")

# Geocoding (accounts.geocoding): the national address base (BAN) for France,
# Nominatim (OpenStreetMap) elsewhere. Nominatim's usage policy asks for a User-Agent
# naming the application, at most one request per second, and cached results.
GEOCODER_BAN_URL = os.environ.get("GEOCODER_BAN_URL", "https://api-adresse.data.gouv.fr/")
GEOCODER_NOMINATIM_URL = os.environ.get(
    "GEOCODER_NOMINATIM_URL", "https://nominatim.openstreetmap.org/"
)
GEOCODER_USER_AGENT = os.environ.get(
    "GEOCODER_USER_AGENT", "Voisinage/0.1 (communes platform; geocoding of residents' addresses)"
)
GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "4"))  # seconds
GEOCODER_CACHE_TIMEOUT = int(os.environ.get("GEOCODER_CACHE_TIMEOUT", 7 * 24 * 3600))
# Registration never waits for the geocoder: an address it could not locate is kept
# and located later by accounts.tasks.locate_home, after these delays (seconds, one
# per attempt: the number of retries is bounded by their count).
GEOCODER_RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 12 * 3600, 24 * 3600)

# COM-5: without a boundary, a commune's territory is this radius around its centre
# (each commune may set its own).
COMMUNE_DEFAULT_RADIUS_KM = float(os.environ.get("COMMUNE_DEFAULT_RADIUS_KM", "15"))

# --- Platform ---------------------------------------------------------------

# How long a classified stays visible unless its author chose a shorter time.
CLASSIFIEDS_DEFAULT_DAYS = 30
CLASSIFIEDS_MAX_DAYS = 90

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Debian 12 ships GDAL 3.6, which cannot block file and network access from
# spatial references (GDAL >= 3.9 can). The platform never feeds GDAL a spatial
# reference taken from user input: geometries arrive as GeoJSON in WGS 84.
#
# axes.W006 asks to lock by IP address too. We lock by account on purpose
# (ACC-3): mobile carriers in Côte d'Ivoire and France put many residents behind
# one address, and an IP lock would shut all of them out. Per-address rate
# limiting belongs to the reverse proxy (docs/deploy.md).
SILENCED_SYSTEM_CHECKS = ["gis.W001", "axes.W006"]

# Alerts (ALR-1…ALR-5). An alert is at most ALERTS_MAX_LENGTH characters; a member
# sends at most ALERTS_PER_MEMBER_PER_HOUR alerts an hour and a community receives at
# most ALERTS_PER_COMMUNITY_PER_HOUR (0 turns a limit off). The SMS of a community
# alert leave ALERTS_SMS_DELAY_SECONDS after it, to those who have not read it (ALR-3).
# An inbound SMS number may send ALERTS_INBOUND_SMS_PER_NUMBER messages every
# ALERTS_INBOUND_SMS_WINDOW_SECONDS; beyond, its messages are dropped without reply.
ALERTS_MAX_LENGTH = 1000
ALERTS_PER_MEMBER_PER_HOUR = 3
ALERTS_PER_COMMUNITY_PER_HOUR = 10
ALERTS_SMS_DELAY_SECONDS = 240
ALERTS_INBOUND_SMS_PER_NUMBER = 5
ALERTS_INBOUND_SMS_WINDOW_SECONDS = 600

# Polls (POL-2): ballots are sealed with AES-256-GCM keys kept outside the database, in
# the environment: POLL_BALLOT_KEYS, comma-separated base64 32-byte keys, newest first
# (the first seals, each opens what it sealed; docs/deploy.md, "Poll ballot keys").
# Production refuses to start without them; without any, nobody can vote. A tally counts
# the pending ballots of an open poll once POLL_TALLY_BATCH of them wait (at least 10: the
# anonymity set of a vote), and all of them at closing.
POLL_BALLOT_KEYS = [
    k.strip() for k in os.environ.get("POLL_BALLOT_KEYS", "").split(",") if k.strip()
]
POLL_TALLY_BATCH = 10
