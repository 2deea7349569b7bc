"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``.

Served on every host, outside the module's guard (``ProtocolUrls``): on a commune's host
the jurisdiction is that commune; on the platform's host the client names it with
``jurisdiction_id`` (the commune's slug). A commune that has the module off answers 404,
in the specification's error format like every other refusal.

Reads are public, as the specification wants them: they carry what residents read on the
site (category, description, address, point, status and the last public note), never the
reporter nor the integrator's ``contact``, and hidden reports never appear. Writes
(``POST requests``) need an integrator's ``api_key`` (``Integrator``, given by the town
hall in the admin), limited to ``per_hour`` reports an hour.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from communes.models import Commune
from communes.services import commune_url
from core.modules import registry
from modules.reports import selectors
from modules.reports import services as report_services
from modules.reports.models import Category, Photo, Question, Report, Update
from modules.reports.open311 import formats

# When this implementation's documents last changed (discovery's ``changeset``).
CHANGESET = "2026-12-01T00:00:00Z"
# The specification's default window and most results of GET requests.
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
TITLE_LENGTH = 80
CONTACT_LENGTH = 255

READ_METHODS = ("GET", "HEAD")

# Our services' fields, as the Open311 parameters a client sent (errors name those).
FIELD_PARAMETERS = {
    "category": "service_code",
    "location": "lat",
    "address": "address_string",
    "title": "description",
    "description": "description",
    "answers": "attribute",
    "photos": "media_url",
}

CONTACT_PARAMETERS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "device_id",
    "account_id",
    "media_url",
)


class Open311Error(Exception):
    """A refusal, answered in the specification's error format with ``status``."""

    def __init__(self, status: int, description: str = "", items=None):
        super().__init__(description)
        self.status = status
        self.items = items or [(status, description)]


def endpoint(*methods: str) -> Callable:
    """An Open311 view: CSRF exempt (other programs POST), ``methods`` only (405
    otherwise), every refusal in the format of the path's extension."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, format: str, **kwargs: Any):
            # On a commune's host that has the module off, nothing is here, whatever the
            # method (as the module's other routes).
            host = getattr(request, "commune", None)
            if host is not None and not registry.is_enabled(host, "reports"):
                return formats.errors(
                    status=404,
                    format=format,
                    description=_("jurisdiction_id %(id)s not found.") % {"id": host.slug},
                )
            if request.method not in methods:
                response = formats.errors(
                    status=405,
                    format=format,
                    description=_("Method %(method)s is not allowed here.")
                    % {"method": request.method},
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, format=format, **kwargs)
            except Open311Error as error:
                return formats.errors(error.items, status=error.status, format=format)

        return wrapped

    return decorate


# --- the jurisdiction -----------------------------------------------------------------------


def _parameter(request: HttpRequest, name: str) -> str:
    """A parameter of the query string, or of the form for a POST (clients put
    ``jurisdiction_id`` in either)."""
    value = request.POST.get(name) if request.method == "POST" else None
    return (value or request.GET.get(name) or "").strip()


def jurisdiction(request: HttpRequest, *, required: bool = True) -> Commune | None:
    """The commune the request is about: the host's, or ``jurisdiction_id`` on the
    platform's host (400 without it when ``required``, 404 unknown); 404 when the
    commune has the module off or ``jurisdiction_id`` names another commune."""
    named = _parameter(request, "jurisdiction_id")
    commune = getattr(request, "commune", None)
    if commune is not None:
        if named and named not in (commune.slug, commune.hostname):
            raise Open311Error(404, _("jurisdiction_id %(id)s not found.") % {"id": named})
    elif named:
        commune = Commune.objects.filter(slug=named).select_related("site").first()
        if commune is None:
            raise Open311Error(404, _("jurisdiction_id %(id)s not found.") % {"id": named})
    elif required:
        raise Open311Error(400, _("jurisdiction_id was not provided."))
    else:
        return None
    if not registry.is_enabled(commune, "reports"):
        raise Open311Error(404, _("jurisdiction_id %(id)s not found.") % {"id": commune.slug})
    return commune


def _absolute(request: HttpRequest, commune: Commune, path: str) -> str:
    """``path`` on the commune's own site (this host when it is the commune's)."""
    if getattr(request, "commune", None) == commune:
        return request.build_absolute_uri(path)
    return commune_url(commune, path)


def _agency(category: Category, commune: Commune) -> str:
    if category.service is not None:
        return category.service.name
    return _("Town hall of %(commune)s") % {"commune": commune.name}


# --- discovery and services ---------------------------------------------------------------


@endpoint(*READ_METHODS)
def discovery(request: HttpRequest, *, format: str) -> HttpResponse:
    commune = jurisdiction(request, required=False)
    contact = ""
    if commune is not None:
        contact = _("%(commune)s town hall: %(email)s") % {
            "commune": commune.name,
            "email": commune.contact_email or "-",
        }
    data = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _(
            "Reading is open to all. To file requests, ask the town hall for an api_key: "
            "its staff create one per integrator in the administration."
        ),
        "endpoints": [
            {
                "specification": formats.SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return formats.render(data, root="discovery", format=format)


def _service(category: Category, commune: Commune) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": bool(category.questions.all()),
        "type": "realtime",
        "keywords": "",
        "group": _agency(category, commune),
    }


@endpoint(*READ_METHODS)
def services(request: HttpRequest, *, format: str) -> HttpResponse:
    commune = jurisdiction(request)
    assert commune is not None
    data = [_service(category, commune) for category in selectors.active_categories(commune)]
    return formats.render(data, root="services", format=format)


def _attribute(question: Question, order: int) -> dict:
    attribute: dict[str, Any] = {
        "variable": True,
        "code": question.code,
        "datatype": question.datatype,
        "required": question.required,
        "datatype_description": str(question.get_datatype_display()),
        "order": order,
        "description": question.label,
    }
    if question.is_list:
        attribute["values"] = [{"key": key, "name": name} for key, name in question.choices()]
    return attribute


@endpoint(*READ_METHODS)
def service_definition(request: HttpRequest, code: str, *, format: str) -> HttpResponse:
    commune = jurisdiction(request)
    assert commune is not None
    category = selectors.active_categories(commune).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s not found.") % {"code": code})
    questions = sorted(category.questions.all(), key=lambda q: (q.sort_order or 0, q.pk))
    data = {
        "service_code": category.code,
        "attributes": [_attribute(q, order) for order, q in enumerate(questions, start=1)],
    }
    return formats.render(data, root="service_definition", format=format)


# --- service requests ----------------------------------------------------------------------


def public_requests(commune: Commune) -> QuerySet[Report]:
    """The commune's reports as Open311 shows them, one query for any number: never the
    hidden ones; the last public note and the first photo's key come as subqueries."""
    last_note = (
        Update.objects.filter(report=OuterRef("pk"))
        .exclude(note="")
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )
    first_photo = (
        Photo.objects.filter(report=OuterRef("pk")).order_by("position", "id").values("key")[:1]
    )
    return (
        Report.objects.filter(commune=commune, hidden_at__isnull=True)
        .select_related("category__service")
        .annotate(last_note=Subquery(last_note), first_photo=Subquery(first_photo))
        .order_by("-created_at", "-id")
    )


def request_data(report: Report, *, request: HttpRequest, commune: Commune) -> dict:
    """One service request, with the specification's fields (no personal data)."""
    tzinfo = commune.tzinfo
    photo = getattr(report, "first_photo", None)
    location = report.location
    return {
        "service_request_id": report.pk,
        "status": "open" if report.status in Report.OPEN_STATUSES else "closed",
        "status_notes": getattr(report, "last_note", None) or None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": _agency(report.category, commune),
        "service_notice": None,
        "requested_datetime": formats.w3c(report.created_at, tzinfo),
        "updated_datetime": formats.w3c(report.updated_at, tzinfo),
        "expected_datetime": None,
        "address": report.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": location.y if location is not None else None,
        "long": location.x if location is not None else None,
        "media_url": (
            _absolute(request, commune, reverse("reports:photo", args=[photo])) if photo else None
        ),
    }


def _moment(value: str, name: str, tzinfo) -> datetime:
    moment = parse_datetime(value.replace(" ", "+"))  # "+01:00" arrives as " 01:00"
    if moment is None:
        day = parse_date(value)
        if day is not None:
            moment = datetime(day.year, day.month, day.day)
    if moment is None:
        raise Open311Error(
            400, _("%(name)s must be a W3C datetime, e.g. 2010-01-01T00:00:00Z.") % {"name": name}
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tzinfo)
    return moment


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _filtered(request: HttpRequest, commune: Commune) -> QuerySet[Report]:
    reports = public_requests(commune)
    ids = _parameter(request, "service_request_id")
    if ids:  # overrides every other filter
        wanted = _list(ids)
        if not all(part.isdigit() for part in wanted):
            raise Open311Error(400, _("service_request_id must be numbers, comma separated."))
        return reports.filter(pk__in=[int(part) for part in wanted])
    codes = _list(_parameter(request, "service_code"))
    if codes:
        reports = reports.filter(category__code__in=codes)
    statuses = _list(_parameter(request, "status"))
    if statuses:
        if not set(statuses) <= {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        wanted_statuses: list[str] = []
        if "open" in statuses:
            wanted_statuses += list(Report.OPEN_STATUSES)
        if "closed" in statuses:
            wanted_statuses += list(Report.CLOSED_STATUSES)
        reports = reports.filter(status__in=wanted_statuses)
    tzinfo = commune.tzinfo
    start_text = _parameter(request, "start_date")
    end_text = _parameter(request, "end_date")
    start = _moment(start_text, "start_date", tzinfo) if start_text else None
    end = _moment(end_text, "end_date", tzinfo) if end_text else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > WINDOW:
        raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    return reports.filter(created_at__gte=start, created_at__lte=end)


@endpoint("GET", "HEAD", "POST")
def requests(request: HttpRequest, *, format: str) -> HttpResponse:
    commune = jurisdiction(request)
    assert commune is not None
    if request.method == "POST":
        with transaction.atomic():
            return _create(request, commune, format=format)
    reports = _filtered(request, commune)[:MAX_REQUESTS]
    data = [request_data(report, request=request, commune=commune) for report in reports]
    return formats.render(data, root="service_requests", format=format)


@endpoint(*READ_METHODS)
def request_detail(request: HttpRequest, pk: int, *, format: str) -> HttpResponse:
    commune = jurisdiction(request)
    assert commune is not None
    report = public_requests(commune).filter(pk=pk).first()
    if report is None:
        raise Open311Error(404, _("service_request_id %(id)s not found.") % {"id": pk})
    data = [request_data(report, request=request, commune=commune)]
    return formats.render(data, root="service_requests", format=format)


@endpoint(*READ_METHODS)
def token(request: HttpRequest, token: str, *, format: str) -> HttpResponse:
    commune = jurisdiction(request)
    assert commune is not None
    try:
        value = uuid.UUID(token)
    except ValueError:
        value = None
    pk = (
        Report.objects.filter(commune=commune, token=value, hidden_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
        if value is not None
        else None
    )
    if pk is None:
        raise Open311Error(404, _("token %(token)s not found.") % {"token": token})
    data = [{"service_request_id": pk, "token": str(value)}]
    return formats.render(data, root="service_requests", format=format)


# --- POST requests -------------------------------------------------------------------------


def _coordinate(request: HttpRequest, name: str, limit: float) -> float | None:
    value = _parameter(request, name)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise Open311Error(400, _("%(name)s must be a number of degrees.") % {"name": name})
    return number


ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _answers(request: HttpRequest) -> dict[str, Any]:
    """``attribute[code]=value`` → {code: value}; a multivaluelist's several values
    (``attribute[code][]=a&attribute[code][]=b``, or the name repeated) → {code: [a, b]}."""
    values: dict[str, list[str]] = {}
    for name in request.POST:
        match = ATTRIBUTE.match(name)
        if match:
            given = [value.strip() for value in request.POST.getlist(name) if value.strip()]
            values.setdefault(match.group(1), []).extend(given)
    return {code: items[0] if len(items) == 1 else items for code, items in values.items()}


def _contact(request: HttpRequest) -> dict[str, str]:
    """What the integrator tells of its user (staff only), each at most 255 characters."""
    contact: dict[str, str] = {}
    for name in CONTACT_PARAMETERS:
        value = _parameter(request, name)
        if len(value) > CONTACT_LENGTH:
            raise Open311Error(
                400,
                _("%(name)s: at most %(max)s characters.") % {"name": name, "max": CONTACT_LENGTH},
            )
        if value:
            contact[name] = value
    return contact


def _errors_of(error: ValidationError) -> list[tuple[int, str]]:
    """One error per field, named by its Open311 parameter."""
    items: list[tuple[int, str]] = []
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            parameter = FIELD_PARAMETERS.get(field, field)
            for message in messages:
                if parameter == "__all__":
                    items.append((400, message))
                else:
                    items.append((400, f"{parameter}: {message}"))
    else:
        items = [(400, message) for message in error.messages]
    return items


def _authorised(request: HttpRequest, commune: Commune):
    key = _parameter(request, "api_key")
    integrator = selectors.integrator_for_key(key) if key else None
    if integrator is None or integrator.commune_id != commune.pk:
        raise Open311Error(403, _("Invalid api_key received: can't proceed with create_request."))
    # One request of this key at a time from here to the commit: the count stays true.
    type(integrator).objects.select_for_update().filter(pk=integrator.pk).first()
    since = timezone.now() - timedelta(hours=1)
    made = Report.objects.filter(integrator=integrator, created_at__gte=since).count()
    if made >= integrator.per_hour:
        raise Open311Error(
            429,
            _("This api_key may create %(count)s requests an hour; try again later.")
            % {"count": integrator.per_hour},
        )
    return integrator


def _create(request: HttpRequest, commune: Commune, *, format: str) -> HttpResponse:
    integrator = _authorised(request, commune)
    code = _parameter(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    category = selectors.active_categories(commune).filter(code=code).first()
    if category is None:
        raise Open311Error(400, _("service_code %(code)s not found.") % {"code": code})
    latitude = _coordinate(request, "lat", 90)
    longitude = _coordinate(request, "long", 180)
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, _("lat and long go together."))
    address = _parameter(request, "address_string")
    if latitude is None and not address:
        raise Open311Error(
            400,
            _("A location is required: lat and long, or address_string.")
            if not _parameter(request, "address_id")
            else _("address_id is not supported here: give lat and long, or address_string."),
        )
    description = _parameter(request, "description")
    title = " ".join(description.split())[:TITLE_LENGTH].strip()
    if len(title) < 3:
        title = category.name
    contact = _contact(request)
    try:
        report = report_services.report_create(
            commune=commune,
            category=category,
            title=title,
            description=description,
            author=None,
            address=address,
            latitude=latitude,
            longitude=longitude,
            answers=_answers(request),
            integrator=integrator,
            contact=contact,
        )
    except ValidationError as error:
        raise Open311Error(400, items=_errors_of(error)) from None
    except PermissionDenied as error:
        raise Open311Error(403, str(error)) from None
    type(integrator).objects.filter(pk=integrator.pk).update(last_used_at=timezone.now())
    notice = _("The address will be located shortly.") if report.locate_pending else None
    data = [{"service_request_id": report.pk, "service_notice": notice, "account_id": None}]
    # 201: a request was created (the specification leaves the success code open; its
    # clients accept any 2xx).
    return formats.render(data, root="service_requests", format=format, status=201)


# --- anything else -------------------------------------------------------------------------


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /open311/v2/: the specification's 404 (XML for ``.xml``)."""
    format = "xml" if request.path.endswith(".xml") else "json"
    return formats.errors(status=404, format=format, description=_("No such resource."))
