import logging

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from core.themes import current_theme

logger = logging.getLogger(__name__)


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database check failed")
        return False


def _check_broker() -> bool:
    try:
        from django_q.brokers import get_broker

        return bool(get_broker().ping())
    except Exception:
        logger.exception("healthz: broker check failed")
        return False


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: the database and the task broker answer."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


@cache_control(max_age=24 * 3600, public=True)
@require_GET
def favicon(request):
    """``/favicon.ico``, which browsers and feed readers ask for whatever the page says:
    the current theme's icon, or the default theme's."""
    for theme in dict.fromkeys((current_theme(), settings.DEFAULT_THEME)):
        found = finders.find(f"themes/{theme}/favicon.ico")
        if found:
            with open(found, "rb") as icon:  # a few kilobytes
                return HttpResponse(icon.read(), content_type="image/x-icon")
    raise Http404


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    """404: JSON under /api/ (integrators parse it), the theme's page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Server error."))}, status=500)
    return defaults.server_error(request)
