"""Site pages of problem reports, on the commune's host under /problemes/ (REP-1, REP-2, REP-4).

The core's guard answers 404 where the module is off. The pages are for those who see
the commune's reports (``selectors.sees_reports``: its validated residents, the staff who
handle reports there): a visitor is sent to the login page, anyone else gets a 404, like
a report they may not see. Residents never read who reported a problem ("A resident");
the staff who handle it do. The photo address is a capability (no login): Open311's
``media_url`` too.
"""

from __future__ import annotations

import functools
import math
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.geocoding import geocoder_for_commune
from communes.territory import map_view
from core import abuse
from core.access import explained
from core.forms import add_service_errors, service_error_text, service_errors
from modules.reports.forms import FixedForm, ReportForm
from modules.reports.models import Category, Photo, Report
from modules.reports.selectors import (
    access_report,
    active_categories,
    can_handle,
    can_report,
    can_see,
    history_of,
    is_following,
    nearby_open,
    public_reporter,
    reports_geojson,
    sees_reports,
    visible_reports,
)
from modules.reports.services import answer_fixed, follow, report_create, unfollow

PAGE_SIZE = 20
NEARBY_RADIUS_M = 50
PITCH = gettext_lazy(
    "The residents of the commune report problems in public space (a pothole, a broken "
    "street light) and follow what the town hall's services do about them."
)
# A service's refusal about the location lands on the location's fields.
FIELD_OF_ERROR = {"location": "address", "latitude": "address", "longitude": "address"}


def residents_only(view):
    """Visitors → login page; whoever does not see the commune's reports → 404."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        commune = getattr(request, "commune", None)
        if commune is None:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not sees_reports(request.user, commune):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def residents_only_json(view):
    """The same for the pages' JSON (map, nearby): 404 for visitors too."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        commune = getattr(request, "commune", None)
        if commune is None or not sees_reports(request.user, commune):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


# --- the list and its map ------------------------------------------------------------


def _status_filters() -> list[tuple[str, Any]]:
    return [
        ("open", gettext_lazy("Open")),
        ("closed", gettext_lazy("Closed")),
        *Report.Status.choices,
    ]


def _filters(request, commune) -> dict[str, Any]:
    status = request.GET.get("status", "")
    if status not in {value for value, _label in _status_filters()}:
        status = ""
    categories = list(Category.objects.filter(commune=commune).order_by("position", "name"))
    raw = request.GET.get("category", "")
    category = int(raw) if raw.isdigit() and any(c.pk == int(raw) for c in categories) else None
    return {
        "status": status,
        "category": category,
        "mine": request.GET.get("mine") == "1",
        "categories": categories,
    }


def _filtered(queryset: QuerySet[Report], filters: dict[str, Any], user) -> QuerySet[Report]:
    status = filters["status"]
    if status == "open":
        queryset = queryset.filter(status__in=Report.OPEN_STATUSES)
    elif status == "closed":
        queryset = queryset.filter(status__in=Report.CLOSED_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if filters["category"]:
        queryset = queryset.filter(category_id=filters["category"])
    if filters["mine"]:
        queryset = queryset.filter(author=user)
    return queryset


def _query_string(filters: dict[str, Any]) -> str:
    params: dict[str, Any] = {}
    if filters["status"]:
        params["status"] = filters["status"]
    if filters["category"]:
        params["category"] = filters["category"]
    if filters["mine"]:
        params["mine"] = "1"
    return urlencode(params)


def _map_context(commune) -> dict[str, Any]:
    from django.conf import settings

    view = map_view(commune)
    return {
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
        "map_center": view.center_attr,
        "map_zoom": view.zoom,
        "map_bounds": view.bounds_attr,
        "map_outline": view.outline_attr,
    }


@explained(gettext_lazy("Problems reported"), PITCH)
@residents_only
@require_http_methods(["GET", "HEAD"])
def report_list(request):
    commune = request.commune
    filters = _filters(request, commune)
    reports = _filtered(visible_reports(request.user, commune), filters, request.user)
    # visible_reports brings the category and the photos along (O(1) queries).
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query_string(filters)
    return render(
        request,
        "reports/list.html",
        {
            "page_obj": page,
            "reports": list(page.object_list),
            "filters": filters,
            "query": query,
            "status_filters": _status_filters(),
            "statuses": Report.Status.choices,
            "geojson_url": reverse("reports:geojson") + (f"?{query}" if query else ""),
            "can_report": can_report(request.user, commune),
            **_map_context(commune),
        },
    )


@residents_only_json
@require_http_methods(["GET", "HEAD"])
def geojson_view(request):
    """The filtered reports as GeoJSON, for the list's map (no personal data)."""
    commune = request.commune
    filters = _filters(request, commune)
    reports = _filtered(visible_reports(request.user, commune), filters, request.user)
    return JsonResponse(reports_geojson(reports), content_type="application/geo+json")


# --- reporting -------------------------------------------------------------------------


def _nearby_items(reports, user=None) -> list[dict[str, Any]]:
    return [
        {
            "id": report.pk,
            "title": report.title,
            "status": report.status,
            "status_label": str(report.get_status_display()),
            "distance_m": round(getattr(report, "distance_m", 0)),
            "followers_count": report.followers_count,
            "url": reverse("reports:detail", args=[report.pk]),
            "follow_url": reverse("reports:follow", args=[report.pk]),
        }
        for report in reports
    ]


def _add_report_errors(form: ReportForm, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, PermissionDenied) or not hasattr(error, "error_dict"):
        form.add_error(None, service_error_text(error))
        return
    remapped: dict[str, list[str]] = {}
    for field, texts in error.message_dict.items():
        target = FIELD_OF_ERROR.get(field, field)
        remapped.setdefault(target, []).extend(texts)
    add_service_errors(form, ValidationError(remapped))


def _address_map(commune) -> dict[str, Any]:
    """The account pages' address field (ACC-7, includes/address_field.html): its
    suggestions from the commune's geocoder, its map opening on the commune."""
    context = _map_context(commune)
    return {
        "search_url": reverse("accounts:address_search")
        + "?"
        + urlencode({"commune": commune.slug}),
        "autocomplete": geocoder_for_commune(commune).supports_autocomplete,
        "tiles_url": context["tiles_url"],
        "tiles_attribution": context["tiles_attribution"],
        "center": context["map_center"],
        "zoom": context["map_zoom"],
        "bounds": context["map_bounds"],
        "outline": context["map_outline"],
    }


@explained(gettext_lazy("Report a problem"), PITCH)
@residents_only
@require_http_methods(["GET", "HEAD", "POST"])
def report_new(request):
    commune = request.commune
    if not can_report(request.user, commune):
        raise Http404
    categories = list(active_categories(commune))
    posted = request.method == "POST"
    data = request.POST.copy() if posted else None
    initial = {}
    if not posted and request.GET.get("category", "").isdigit():
        initial["category"] = int(request.GET["category"])
    form = ReportForm(
        data,
        request.FILES if posted else None,
        categories=categories,
        initial=initial,
        address_map=_address_map(commune),
    )
    duplicates: list[dict[str, Any]] = []
    if posted and form.is_valid():
        category = form.chosen_category()
        point = form.point()
        if point is not None and category is not None and not form.cleaned_data["confirmed_new"]:
            duplicates = _nearby_items(
                nearby_open(
                    commune=commune,
                    category=category,
                    latitude=point[0],
                    longitude=point[1],
                    radius_m=NEARBY_RADIUS_M,
                )
            )
        if not duplicates:
            cleaned = form.cleaned_data
            try:
                report = report_create(
                    commune=commune,
                    category=category,
                    title=cleaned["title"],
                    description=cleaned["description"],
                    author=request.user,
                    address=cleaned["address"],
                    latitude=point[0] if point else None,
                    longitude=point[1] if point else None,
                    location_source=(cleaned["location_source"] or "") if point else "",
                    photos=cleaned["photos"],
                    answers=form.answers(),
                )
            except (ValidationError, PermissionDenied) as error:
                _add_report_errors(form, error)
            else:
                abuse.tell_written(
                    request,
                    report,
                    _(
                        "Your report is sent: the service in charge is told. "
                        "You will be told of its progress."
                    ),
                )
                return redirect("reports:detail", pk=report.pk)
        else:
            # Sent again from this page, it is "another problem": no second question.
            # (the form reads its data when shown: its hidden field says "1").
            assert data is not None
            data["confirmed_new"] = "1"
    return render(
        request,
        "reports/new.html",
        {
            "form": form,
            "categories": categories,
            "duplicates": duplicates,
            "photos_lost": posted,
            "nearby_url": reverse("reports:nearby"),
            "nearby_radius": NEARBY_RADIUS_M,
        },
        status=400 if posted and not duplicates else 200,
    )


@residents_only_json
@require_http_methods(["GET", "HEAD"])
def nearby_view(request):
    """Open reports of a category within 50 m of a point, for the form's "same problem?"."""
    commune = request.commune
    raw = request.GET.get("category", "")
    category = active_categories(commune).filter(pk=int(raw)).first() if raw.isdigit() else None
    latitude = _float(request.GET.get("latitude"), 90)
    longitude = _float(request.GET.get("longitude"), 180)
    errors = {}
    if category is None:
        errors["category"] = _("Choose one of the commune's categories.")
    if latitude is None or longitude is None:
        errors["location"] = _("Give a latitude and a longitude.")
    if errors:
        return JsonResponse({"errors": errors, "results": []}, status=400)
    found = nearby_open(
        commune=commune,
        category=category,
        latitude=latitude,
        longitude=longitude,
        radius_m=NEARBY_RADIUS_M,
    )
    return JsonResponse({"results": _nearby_items(found)})


def _float(raw, limit: float) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or not -limit <= value <= limit:
        return None
    return value


# --- one report ------------------------------------------------------------------------


def _answers_shown(report: Report) -> list[tuple[str, str]]:
    """(question, answer) in the category's order; list keys shown by their names."""
    shown = []
    answers = report.answers or {}
    for question in report.category.questions.all():
        if question.code not in answers:
            continue
        value = answers[question.code]
        if question.is_list:
            names = dict(question.choices())
            values = value if isinstance(value, list) else [value]
            value = ", ".join(names.get(str(v), str(v)) for v in values)
        shown.append((question.label, str(value)))
    return shown


def _admin_url(report: Report) -> str:
    try:
        return reverse("reports_admin:handle", args=[report.pk])
    except NoReverseMatch:
        return f"/admin/reports/{report.pk}/"


@explained(gettext_lazy("A problem reported"), PITCH)
@residents_only
@require_http_methods(["GET", "HEAD"])
def report_detail(request, pk: int):
    commune = request.commune
    user = request.user
    report = access_report(user, pk, commune=commune)
    handles = can_handle(user, report)
    is_author = report.is_reporter(user)
    asked = is_author and report.fixed_question_open
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "reporter": public_reporter(report, user),
            "photos": list(report.photos.order_by("position", "id")),
            "answers": _answers_shown(report),
            "history": list(history_of(report)),
            "following": is_following(user, report),
            "handles": handles,
            "admin_url": _admin_url(report) if handles else "",
            "is_author": is_author,
            "fixed_form": FixedForm() if asked else None,
            "merged_into": report.merged_into if report.merged_into_id else None,
            **_map_context(commune),
        },
    )


@residents_only
@require_POST
def follow_view(request, pk: int):
    report = access_report(request.user, pk, commune=request.commune)
    stop = request.POST.get("action") == "unfollow"
    with service_errors() as call:
        if stop:
            unfollow(user=request.user, report=report)
        else:
            follow(user=request.user, report=report)
    if not call.ok:
        messages.error(request, call.error)
    elif stop:
        messages.success(request, _("You no longer follow this report."))
    else:
        messages.success(request, _("You follow this report: you will be told of its progress."))
    return redirect("reports:detail", pk=report.pk)


@explained(gettext_lazy("Has the problem been fixed?"), PITCH)
@residents_only
@require_http_methods(["GET", "HEAD", "POST"])
def fixed_view(request, pk: int):
    """The reporter's answer, four weeks after the resolution; anyone else: 404."""
    report = access_report(request.user, pk, commune=request.commune)
    if not report.is_reporter(request.user):
        raise Http404
    if not report.fixed_question_open:
        messages.info(request, _("There is no question to answer about this report now."))
        return redirect("reports:detail", pk=report.pk)
    form = FixedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fixed = form.cleaned_data["fixed"]
        with service_errors(form) as call:
            answer_fixed(
                user=request.user, report=report, fixed=fixed, note=form.cleaned_data["note"]
            )
        if call.ok:
            if fixed:
                messages.success(request, _("Thank you: the report stays resolved."))
            else:
                messages.success(
                    request, _("Thank you: the report is open again and the service is told.")
                )
            return redirect("reports:detail", pk=report.pk)
    return render(
        request,
        "reports/fixed.html",
        {"report": report, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- photos ----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def photo_view(request, key, size="full"):
    """A report's photo at its unguessable address (no login: Open311's media_url), or its
    thumbnail (``size="thumbnail"``: the lists' cards).

    404 for an unknown key, another commune's photo, and a hidden report's photo unless
    the viewer is its reporter or handles it.
    """
    commune = getattr(request, "commune", None)
    if commune is None:
        raise Http404
    photo = Photo.objects.select_related("report").filter(key=key, report__commune=commune).first()
    if photo is None:
        raise Http404
    report = photo.report
    if report.hidden_at is not None and not can_see(request.user, report):
        raise Http404  # hidden: its reporter and the staff who handle it still see it
    # A photo from before thumbnails (or whose thumbnail failed) shows whole.
    stored = photo.thumbnail if size == "thumbnail" and photo.thumbnail else photo.image
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, content_type="image/jpeg", as_attachment=False, filename=f"{photo.key}.jpg"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
