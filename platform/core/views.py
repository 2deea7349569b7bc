import logging

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import csrf, defaults
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


def bad_request(request, exception=None):
    """400 (Django's SuspiciousOperation and the like): JSON under /api/.

    A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``RequestDataTooBig``) is a 413 there,
    saying the limit, instead of Django's HTML page."""
    if _wants_json(request):
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
            detail = _("The request body is too large (at most %(size)s kB).") % {
                "size": limit // 1024
            }
            return JsonResponse({"detail": str(detail)}, status=413)
        return JsonResponse({"detail": str(_("Bad request."))}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    """403 raised outside DRF (a plain Django view, a middleware): JSON under /api/."""
    if _wants_json(request):
        message = str(exception) if exception is not None and str(exception) else ""
        detail = message or str(_("You do not have permission to perform this action."))
        return JsonResponse({"detail": detail}, status=403)
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    """CSRF refused: JSON under /api/ (DRF's own views answer JSON already), Django's
    page elsewhere."""
    if _wants_json(request):
        detail = _(
            "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie, or "
            "authenticate with Authorization: Token."
        )
        return JsonResponse({"detail": str(detail)}, status=403)
    return csrf.csrf_failure(request, reason)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Server error."))}, status=500)
    return defaults.server_error(request)
