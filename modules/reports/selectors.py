"""Reads on problem reports, and who sees and handles what (REP-1 … REP-4).

* The **town hall** (:func:`is_town_hall`): superusers, the staff of the commune's
  hosting partner, and the holders of a town-hall role granting ``handle_reports`` other
  than the technical one (today: the mayor). It sees and handles every report of the
  commune and keeps its categories, services and Open311 integrators.
* A **technical service member**: an open account holding ``handle_reports`` on the
  commune (the technical role) *and* the guardian permission ``reports.handle_service``
  on one of the commune's :class:`Service`. They handle the reports whose category's
  service is theirs, nothing else.
* **Residents**: the commune's validated residents see the public list, map and detail
  (the reporter is never named to them: "A resident"), report and follow. Anyone else
  gets a 404 on the module's pages.

``access_report`` answers the same 404 for a missing report, another commune's and one
the person does not see.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, Extract
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission

from communes.models import Commune, Follow, HostingPartner, StaffRole
from communes.roles import HANDLE_REPORTS, roles_granting
from communes.selectors import holders_of_permission, is_validated_resident
from communes.territory import distance_km
from core.access import is_open_account, open_account_q, open_accounts
from core.admin_scope import CommuneScope
from core.ids import positive_id
from modules.reports.models import Category, Follower, Integrator, Photo, Report, Service, Update

if TYPE_CHECKING:
    from accounts.models import User

HANDLE_SERVICE = "handle_service"
METRES_PER_DEGREE = 111_194.9266  # along a meridian, on the sphere of ``distance_km``


def town_hall_roles() -> list[str]:
    """The roles whose holders are "the town hall" for reports (not the technical one)."""
    return [role for role in roles_granting(HANDLE_REPORTS) if role != StaffRole.Role.TECHNICAL]


# --- who is who ------------------------------------------------------------------------


def town_hall_communes(user: User) -> QuerySet[Commune]:
    """The communes whose reports ``user`` handles as the town hall."""
    if not is_open_account(user):
        return Commune.objects.none()
    if user.is_superuser:
        return Commune.objects.all()
    return Commune.objects.filter(
        Q(
            pk__in=StaffRole.objects.filter(user=user, role__in=town_hall_roles()).values(
                "commune_id"
            )
        )
        | Q(hosting_partner__in=HostingPartner.objects.filter(staff=user))
    )


def is_town_hall(user: User, commune: Commune | None) -> bool:
    if commune is None or not is_open_account(user):
        return False
    if user.is_superuser:
        return True
    return town_hall_communes(user).filter(pk=commune.pk).exists()


def _technical_communes(user: User) -> QuerySet:
    """Pks (as text, like guardian's ``object_pk``) of communes where ``user`` holds
    ``handle_reports`` through a role."""
    return UserObjectPermission.objects.filter(
        user=user,
        content_type=ContentType.objects.get_for_model(Commune),
        permission__codename=HANDLE_REPORTS,
    ).values("object_pk")


def services_of(user: User, commune: Commune | None = None) -> QuerySet[Service]:
    """The services ``user`` is a member of (guardian permission and ``handle_reports``
    on the service's commune), in ``commune`` when given. One query when evaluated."""
    if not is_open_account(user):
        return Service.objects.none()
    held = (
        UserObjectPermission.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(Service),
            permission__codename=HANDLE_SERVICE,
        )
        .annotate(service_pk=Cast("object_pk", IntegerField()))
        .values("service_pk")
    )
    communes = (
        UserObjectPermission.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(Commune),
            permission__codename=HANDLE_REPORTS,
        )
        .annotate(commune_pk=Cast("object_pk", IntegerField()))
        .values("commune_pk")
    )
    services = Service.objects.filter(pk__in=held, commune_id__in=communes)
    if commune is not None:
        services = services.filter(commune=commune)
    return services


def is_service_member(user: User, service: Service | None) -> bool:
    return service is not None and services_of(user).filter(pk=service.pk).exists()


def can_handle(user: User, report: Report) -> bool:
    """The town hall of the report's commune, or a member of its category's service."""
    if not is_open_account(user):
        return False
    if is_town_hall(user, report.commune):
        return True
    service_id = report.category.service_id
    return service_id is not None and services_of(user).filter(pk=service_id).exists()


def handled_reports(user: User, commune: Commune | None = None) -> QuerySet[Report]:
    """The reports ``user`` may handle (every status, hidden ones too)."""
    if not is_open_account(user):
        return Report.objects.none()
    reports = Report.objects.filter(
        Q(commune__in=town_hall_communes(user).values("pk"))
        | Q(category__service__in=services_of(user).values("pk"))
    )
    if commune is not None:
        reports = reports.filter(commune=commune)
    return reports


def staff_communes(user: User) -> QuerySet[Commune]:
    """The communes where ``user`` handles reports: as the town hall or in a service."""
    if not is_open_account(user):
        return Commune.objects.none()
    if user.is_superuser:
        return Commune.objects.all()
    return Commune.objects.filter(
        Q(pk__in=town_hall_communes(user).values("pk"))
        | Q(pk__in=services_of(user).values("commune_id"))
    )


STAFF_SCOPE = CommuneScope(staff_communes=staff_communes, module_label="reports")
# The admin's screens that only the town hall uses (categories, services, integrators).
TOWN_HALL_SCOPE = CommuneScope(staff_communes=town_hall_communes, module_label="reports")


def can_report(user: User, commune: Commune | None) -> bool:
    """Validated residents with an open account."""
    return commune is not None and is_validated_resident(user, commune)


def sees_reports(user: User, commune: Commune | None) -> bool:
    """Validated residents of the commune, and whoever handles reports there."""
    if commune is None or not is_open_account(user):
        return False
    return (
        is_validated_resident(user, commune)
        or is_town_hall(user, commune)
        or services_of(user, commune).exists()
    )


def can_see(user: User, report: Report, *, include_hidden: bool = False) -> bool:
    """``report`` is in what ``user`` sees; ``include_hidden``: as if moderation had not
    hidden it."""
    if not sees_reports(user, report.commune):
        return False
    if report.hidden_at is None or include_hidden:
        return True
    return report.is_reporter(user) or can_handle(user, report)


# --- reports ---------------------------------------------------------------------------


def _for_lists(reports: QuerySet[Report]) -> QuerySet[Report]:
    return reports.select_related("category", "category__service", "commune").prefetch_related(
        Prefetch("photos", queryset=Photo.objects.order_by("position", "id"))
    )


def visible_reports(user: User, commune: Commune | None) -> QuerySet[Report]:
    """The reports of ``commune`` that ``user`` sees, newest first: every one not hidden
    by moderation (duplicates too: listed as closed), plus their own and those they
    handle. Category, service and photos come with them (lists in O(1) queries)."""
    if commune is None or not sees_reports(user, commune):
        return Report.objects.none()
    reports = Report.objects.filter(commune=commune)
    if not is_town_hall(user, commune):
        viewer = getattr(user, "pk", None) or 0
        reports = reports.filter(
            Q(hidden_at__isnull=True)
            | Q(author_id=viewer)
            | Q(category__service__in=services_of(user, commune).values("pk"))
        )
    return _for_lists(reports).order_by("-created_at", "-id")


def access_report(user: User, pk: Any, *, commune: Commune | None) -> Report:
    """A report of ``commune`` that ``user`` sees, else Http404 (alike for all cases)."""
    pk = positive_id(pk)
    report = visible_reports(user, commune).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def access_handled_report(user: User, pk: Any, *, commune: Commune | None = None) -> Report:
    """A report ``user`` handles (the admin's pages), else Http404."""
    pk = positive_id(pk)
    report = _for_lists(handled_reports(user, commune)).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def reporter_name(report: Report) -> str:
    """Who reported it, for the staff who handle it: a name, never a way to reach the
    person (the privacy matrix keeps e-mails and phones from the town hall; it answers in
    the report's public note)."""
    if report.author is not None:
        return report.author.get_full_name() or str(_("A resident"))
    contact = report.contact or {}
    name = " ".join(
        part for part in (contact.get("first_name", ""), contact.get("last_name", "")) if part
    ).strip()
    if name:
        return name
    if report.integrator_id is not None and report.integrator is not None:
        return report.integrator.name
    return _("A resident")


def public_reporter(report: Report, viewer: User | None) -> str:
    """ "A resident" to everyone but the staff who handle the report (they see the name)."""
    if viewer is not None and can_handle(viewer, report):
        return reporter_name(report)
    return _("A resident")


def nearby_open(
    *,
    commune: Commune,
    category: Category | int | None,
    latitude: float,
    longitude: float,
    radius_m: float = 50,
    exclude_pk: int | None = None,
    limit: int = 5,
) -> list[Report]:
    """Open, not hidden reports of ``category`` within ``radius_m`` of the point, nearest
    first, each with ``distance_m``: the box around the point uses the spatial index,
    the exact distance (on the sphere) is measured here."""
    latitude, longitude = float(latitude), float(longitude)
    margin = radius_m * 1.1 + 1
    delta_lat = margin / METRES_PER_DEGREE
    cos_lat = max(math.cos(math.radians(latitude)), 1e-6)
    delta_lon = min(margin / (METRES_PER_DEGREE * cos_lat), 180.0)
    box = Polygon.from_bbox(
        (longitude - delta_lon, latitude - delta_lat, longitude + delta_lon, latitude + delta_lat)
    )
    box.srid = 4326
    reports = (
        Report.objects.filter(
            commune=commune,
            status__in=Report.OPEN_STATUSES,
            hidden_at__isnull=True,
            location__bboverlaps=box,
        )
        .select_related("category")
        .order_by()
    )
    if category is not None:
        reports = reports.filter(category_id=getattr(category, "pk", category))
    if exclude_pk:
        reports = reports.exclude(pk=exclude_pk)
    here = Point(longitude, latitude, srid=4326)
    found = []
    for report in reports:
        assert report.location is not None
        distance_m = distance_km(here, report.location) * 1000
        if distance_m <= radius_m:
            report.distance_m = distance_m  # type: ignore[attr-defined]
            found.append(report)
    found.sort(key=lambda report: (report.distance_m, report.pk))  # type: ignore[attr-defined]
    return found[:limit]


def reports_geojson(reports_qs: QuerySet[Report]) -> dict:
    """A GeoJSON FeatureCollection of the located reports of ``reports_qs`` (one query):
    id, title, status, its label, category and page; nobody's personal data."""
    features = []
    rows = (
        reports_qs.filter(location__isnull=False)
        .order_by()
        .values("id", "title", "status", "category__name", "location")
    )
    for row in rows:
        point = row["location"]
        assert point is not None  # filtered above
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(point.x, 6), round(point.y, 6)],
                },
                "properties": {
                    "id": row["id"],
                    "title": row["title"],
                    "status": row["status"],
                    "status_label": str(Report.Status(row["status"]).label),
                    "open": row["status"] in Report.OPEN_STATUSES,
                    "category": row["category__name"],
                    "url": report_path_for(row["id"]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def report_path_for(pk: int) -> str:
    return f"/problemes/{pk}/"


def photos_of(report: Report) -> list[Photo]:
    return list(report.photos.all())


# --- follows, history -------------------------------------------------------------------


def handlers_of(report: Report) -> QuerySet:
    """The town hall's people and the members of the report's service (open accounts)."""
    users = town_hall_people(report.commune)
    service = report.category.service
    if service is not None:
        users = get_user_model().objects.filter(
            Q(pk__in=users.values("pk")) | Q(pk__in=service_members(service).values("pk"))
        )
    return users


def followers_of(report: Report) -> QuerySet:
    """Who follows ``report`` and still sees it: validated residents of its commune and
    those who handle it (open accounts); only its author and handlers while hidden."""
    commune = report.commune
    handlers = handlers_of(report).values("pk")
    residents = Follow.objects.filter(commune=commune, status=Follow.Status.VALIDATED).values(
        "user_id"
    )
    followers = Follower.objects.filter(report=report).values("user_id")
    users = open_accounts(
        get_user_model().objects.filter(Q(pk__in=residents) | Q(pk__in=handlers), pk__in=followers)
    )
    if report.hidden_at is not None:
        users = users.filter(Q(pk=report.author_id) | Q(pk__in=handlers))
    return users


def is_following(user: User, report: Report) -> bool:
    return is_open_account(user) and Follower.objects.filter(report=report, user=user).exists()


def history_of(report: Report) -> QuerySet[Update]:
    """The public steps of the report, oldest first."""
    return Update.objects.filter(report=report).order_by("created_at", "id")


def active_categories(commune: Commune) -> QuerySet[Category]:
    return (
        Category.objects.filter(commune=commune, active=True)
        .select_related("service")
        .prefetch_related("questions")
        .order_by("position", "name")
    )


def town_hall_people(commune: Commune) -> QuerySet:
    """Open accounts holding a town-hall role for reports in ``commune`` (the mayor)."""
    return get_user_model().objects.filter(
        open_account_q(),
        pk__in=StaffRole.objects.filter(commune=commune, role__in=town_hall_roles()).values(
            "user_id"
        ),
    )


def service_members(service: Service) -> QuerySet:
    """Open accounts holding ``reports.handle_service`` on ``service`` and
    ``handle_reports`` on its commune."""
    holders = UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(Service),
        object_pk=str(service.pk),
        permission__codename=HANDLE_SERVICE,
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(
            open_account_q(),
            pk__in=holders,
        )
        .filter(pk__in=holders_of_permission(service.commune, HANDLE_REPORTS).values("pk"))
    )


def candidate_members(commune: Commune) -> QuerySet:
    """Who may be a member of a service of ``commune``: open accounts holding
    ``handle_reports`` there (technical role or mayor)."""
    return holders_of_permission(commune, HANDLE_REPORTS)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def integrator_for_key(key: str) -> Integrator | None:
    """The active integrator of this Open311 key, else None."""
    key = (key or "").strip()
    if not key:
        return None
    return (
        Integrator.objects.filter(key_digest=key_digest(key), revoked_at__isnull=True)
        .select_related("commune")
        .first()
    )


# --- dashboard -----------------------------------------------------------------------------


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _median_hours(reports: QuerySet[Report], start: str, end: str) -> float | None:
    """The median of ``end - start`` in hours: computed by PostgreSQL
    (``percentile_cont``); SQLite (the demo) has no such aggregate, so its rows are
    read and the median taken in Python."""
    done = reports.filter(**{f"{end}__isnull": False})
    if connection.vendor == "postgresql":
        seconds = done.aggregate(
            median=Median(
                Extract(ExpressionWrapper(F(end) - F(start), output_field=DurationField()), "epoch")
            )
        )["median"]
    else:
        spans = [(b - a).total_seconds() for a, b in done.order_by().values_list(start, end)]
        seconds = statistics.median(spans) if spans else None
    return None if seconds is None else round(seconds / 3600, 1)


def stats(reports: QuerySet[Report], *, now: datetime | None = None, days: int = 90) -> dict:
    """The dashboard's figures over ``reports`` (what the person handles: the town hall's
    whole commune, a technical agent's services only):

    * ``open``: one row per category with open reports: ``category_id``, ``category``,
      ``counts`` {status: number} and ``total``, most first; ``open_total`` and
      ``status_totals`` (one per open status, in ``Report.OPEN_STATUSES`` order);
    * ``median_hours_to_acknowledge`` / ``median_hours_to_resolve``: over the reports
      created in the last ``days`` (None without any);
    * ``oldest_open``: the 10 oldest open reports (with their category and service).
    """
    now = now or timezone.now()
    open_reports = reports.filter(status__in=Report.OPEN_STATUSES)
    rows = (
        open_reports.order_by()
        .values("category_id", "category__name", "status")
        .annotate(count=Count("id"))
    )
    by_category: dict[int, dict] = {}
    for row in rows:
        entry = by_category.setdefault(
            row["category_id"],
            {
                "category_id": row["category_id"],
                "category": row["category__name"],
                "counts": dict.fromkeys(Report.OPEN_STATUSES, 0),
                "total": 0,
            },
        )
        entry["counts"][row["status"]] += row["count"]
        entry["total"] += row["count"]
    open_rows = sorted(by_category.values(), key=lambda entry: (-entry["total"], entry["category"]))
    recent = reports.filter(created_at__gte=now - timedelta(days=days))
    return {
        "days": days,
        "open": open_rows,
        "open_total": sum(entry["total"] for entry in open_rows),
        "status_totals": [
            sum(entry["counts"][status] for entry in open_rows) for status in Report.OPEN_STATUSES
        ],
        "median_hours_to_acknowledge": _median_hours(recent, "created_at", "acknowledged_at"),
        "median_hours_to_resolve": _median_hours(recent, "created_at", "resolved_at"),
        "oldest_open": list(
            open_reports.select_related("category", "category__service", "commune").order_by(
                "created_at", "id"
            )[:10]
        ),
    }
