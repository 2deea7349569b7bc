"""The staff's side of the problem reports API, under
/api/v1/communes/{commune_slug}/reports/manage/ (REP-2); ``api_urls`` includes
``urlpatterns``.

For the staff who handle reports (``selectors.handled_reports``): the town hall (every
report of the commune) and the members of a technical service (the reports of their
service's categories). They read the reporter's name and an integrator's contact;
residents never do. Someone who handles no report of the commune gets a 403 with a
message (a resident, as in suggestions' ``manage/``); a report they do not handle (another
service's, another commune's) answers 404 like a missing one. The actions are the
services' (``status_set``, ``category_set``, ``merge``, ``bulk_status``): their refusals
are a 400 by field, or a 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.permissions import ModuleEnabled
from communes.permissions import ValidatedResident
from communes.services import commune_url
from core.api_fields import StrictCharField, StrictIntegerField
from core.ids import positive_id
from core.openapi import COMMUNE_SLUG
from modules.reports.api import (
    LIST_FILTERS,
    MAX_ID,
    PROBLEM_ID,
    ProblemCategoryRefSerializer,
    ProblemStatusField,
    filter_reports,
    parse_id,
    plain_choice,
)
from modules.reports.models import NOTE_MAX_LENGTH, Category, Photo, Report
from modules.reports.selectors import (
    handled_reports,
    history_of,
    is_town_hall,
    reporter_name,
    services_of,
    stats,
)
from modules.reports.services import bulk_status, category_set, merge, status_set

MODULE_LABEL = "reports"
TAGS = ["reports"]
Status = Report.Status
SETTABLE_STATUSES = [
    Status.NEW.value,
    Status.ACKNOWLEDGED.value,
    Status.IN_PROGRESS.value,
    Status.RESOLVED.value,
    Status.REJECTED.value,
]
BULK_MAX = 100


# --- serializers ---------------------------------------------------------------------


class ProblemServiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ProblemStaffReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    category = ProblemCategoryRefSerializer(read_only=True)
    service = ProblemServiceRefSerializer(
        source="category.service",
        read_only=True,
        allow_null=True,
        help_text="The technical service handling it; null: the town hall itself.",
    )
    status = ProblemStatusField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    address = serializers.CharField(read_only=True)
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    location_source = serializers.CharField(
        read_only=True, help_text="map, address, device, photo, or empty."
    )
    locate_pending = serializers.BooleanField(
        read_only=True, help_text="Its address waits for the geocoder."
    )
    answers = serializers.DictField(read_only=True)
    reporter = serializers.SerializerMethodField(
        help_text="The reporter's name (or the integrator's contact, or its name)."
    )
    integrator = serializers.CharField(
        source="integrator.name",
        read_only=True,
        allow_null=True,
        help_text="The Open311 integrator it came through, else null.",
    )
    contact = serializers.DictField(
        read_only=True, help_text="What the integrator passed of its user (Open311)."
    )
    followers_count = serializers.IntegerField(read_only=True)
    photos = serializers.SerializerMethodField(help_text="Addresses of its photos (JPEG).")
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True)
    hidden = serializers.SerializerMethodField(help_text="Hidden by moderation.")
    fixed_answer = serializers.CharField(
        read_only=True, help_text='"Has it been fixed?": "", "yes" or "no".'
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    acknowledged_at = serializers.DateTimeField(read_only=True, allow_null=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_latitude(self, report) -> float | None:
        return report.location.y if report.location is not None else None

    def get_longitude(self, report) -> float | None:
        return report.location.x if report.location is not None else None

    def get_reporter(self, report) -> str:
        return reporter_name(report)

    def get_photos(self, report) -> list[str]:
        base = self.context["site_base"]
        return [
            base + reverse("reports:photo", kwargs={"key": photo.key})
            for photo in report.photos.all()
        ]

    def get_hidden(self, report) -> bool:
        return report.hidden_at is not None


class ProblemStaffStepSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    status = ProblemStatusField()
    previous_status = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    public_by = serializers.CharField(read_only=True)
    by = serializers.SerializerMethodField(help_text="Who did it (staff only), else null.")
    created_at = serializers.DateTimeField(read_only=True)

    def get_by(self, update) -> str | None:
        return update.by.get_full_name() if update.by is not None else None


class ProblemStaffDetailSerializer(ProblemStaffReportSerializer):
    history = ProblemStaffStepSerializer(source="steps", many=True, read_only=True)


class ProblemStatusInputSerializer(serializers.Serializer):
    status = plain_choice(
        SETTABLE_STATUSES,
        help_text="new, acknowledged, in_progress, resolved or rejected (duplicate: merge/).",
    )
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="The public note; required to reject (the reason).",
    )


class ProblemCategoryInputSerializer(serializers.Serializer):
    category = StrictIntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of an active category of the commune."
    )
    note = StrictCharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)


class ProblemMergeInputSerializer(serializers.Serializer):
    into = StrictIntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of the report to keep (you handle it)."
    )
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text='Public; default "Same problem as report #n".',
    )


class ProblemBulkInputSerializer(ProblemStatusInputSerializer):
    ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=BULK_MAX,
        help_text=f"Ids of reports you handle (at most {BULK_MAX}).",
    )


class ProblemBulkOutputSerializer(serializers.Serializer):
    changed = serializers.IntegerField(
        read_only=True, help_text="How many changed (those already in the status are skipped)."
    )


class ProblemStatsCategorySerializer(serializers.Serializer):
    category_id = serializers.IntegerField(read_only=True)
    category = serializers.CharField(read_only=True)
    counts = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Open reports by status."
    )
    total = serializers.IntegerField(read_only=True)


class ProblemStatsReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    category = ProblemCategoryRefSerializer(read_only=True)
    status = ProblemStatusField()
    created_at = serializers.DateTimeField(read_only=True)


class ProblemStatsSerializer(serializers.Serializer):
    days = serializers.IntegerField(read_only=True, help_text="The span of the medians.")
    open = ProblemStatsCategorySerializer(
        many=True, read_only=True, help_text="Open reports by category, most first."
    )
    open_total = serializers.IntegerField(read_only=True)
    median_hours_to_acknowledge = serializers.FloatField(read_only=True, allow_null=True)
    median_hours_to_resolve = serializers.FloatField(read_only=True, allow_null=True)
    oldest_open = ProblemStatsReportSerializer(many=True, read_only=True)


# --- views ---------------------------------------------------------------------------


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


def _with_relations(reports):
    return reports.select_related(
        "category", "category__service", "author", "integrator"
    ).prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("position", "id")))


class _StaffApi(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated, ValidatedResident]

    def require_handler(self):
        user, commune = self.request.user, self.request.commune
        if not (is_town_hall(user, commune) or services_of(user, commune).exists()):
            raise DrfPermissionDenied(
                _("Only the town hall and its technical services handle problem reports.")
            )

    def handled(self):
        return handled_reports(self.request.user, self.request.commune)

    def report(self, problem_id):
        report = (
            self.handled()
            .filter(pk=positive_id(problem_id))
            .select_related("commune", "category", "category__service")
        )
        found = report.first()
        if found is None:
            raise Http404
        return found

    def context(self):
        return {"site_base": commune_url(self.request.commune, "").rstrip("/")}

    def output(self, report_pk):
        """The report as stored now (a reassigned one may be no longer theirs to handle:
        they still read the result of what they did)."""
        report = _with_relations(Report.objects.filter(pk=report_pk)).get()
        report.steps = list(history_of(report).select_related("by"))
        return Response(ProblemStaffDetailSerializer(report, context=self.context()).data)


class ManageListApi(_StaffApi, generics.ListAPIView):
    """The reports the person handles, newest first."""

    serializer_class = ProblemStaffReportSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_serializer_context(self):
        return self.context()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        self.require_handler()
        reports = filter_reports(self.request, self.handled())
        raw_service = self.request.query_params.get("service", "")
        if raw_service:
            reports = reports.filter(
                category__service_id=parse_id(raw_service, "service", _("Give a service id."))
            )
        return _with_relations(reports).order_by("-created_at", "-pk")

    @extend_schema(
        tags=TAGS,
        operation_id="reports_manage_list",
        summary="The reports you handle, with their reporters (town hall, technical services)",
        description=(
            "The town hall reads every report of the commune, a technical service the "
            "reports of its categories; hidden ones included (`hidden`). Paginated. 400 "
            "for a bad filter; 403 for anyone who handles no report here."
        ),
        parameters=[
            *LIST_FILTERS[:3],  # the commune, status and category, as residents filter
            OpenApiParameter(
                "service",
                {"type": "integer", "minimum": 1},
                OpenApiParameter.QUERY,
                description="Only the reports of this technical service's categories (id).",
            ),
        ],
        responses={200: ProblemStaffReportSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ManageDetailApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_manage_retrieve",
        summary="A report you handle, with its reporter and who did each step",
        description="403 for anyone who handles no report here; 404 for one you do not handle.",
        parameters=[COMMUNE_SLUG, PROBLEM_ID],
        responses={200: ProblemStaffDetailSerializer},
    )
    def get(self, request, commune_slug: str, problem_id: int):
        self.require_handler()
        return self.output(self.report(problem_id).pk)


class ManageStatusApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_manage_status",
        summary="Move a report to a status, with a public note",
        description=(
            "The reporter and the followers are told; the note is public, signed with the "
            "service's name (or the town hall). 400 for the same status, `duplicate` (use "
            "merge/), or rejecting without a reason; 403 for anyone who handles no report "
            "here; 404 for a report you do not handle."
        ),
        parameters=[COMMUNE_SLUG, PROBLEM_ID],
        request=ProblemStatusInputSerializer,
        responses={200: ProblemStaffDetailSerializer},
    )
    def post(self, request, commune_slug: str, problem_id: int):
        self.require_handler()
        report = self.report(problem_id)
        serializer = ProblemStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        status_set(report=report, by=request.user, status=data["status"], note=data.get("note", ""))
        return self.output(report.pk)


class ManageCategoryApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_manage_category",
        summary="Put a report in another category (and so another service)",
        description=(
            "The new category's service is told; you may no longer handle it afterwards. "
            "400 for a category that is not an active one of the commune, or the same; 403 "
            "for anyone who handles no report here; 404 for a report you do not handle."
        ),
        parameters=[COMMUNE_SLUG, PROBLEM_ID],
        request=ProblemCategoryInputSerializer,
        responses={200: ProblemStaffDetailSerializer},
    )
    def post(self, request, commune_slug: str, problem_id: int):
        self.require_handler()
        report = self.report(problem_id)
        serializer = ProblemCategoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = Category.objects.filter(commune=request.commune, pk=data["category"]).first()
        if category is None:
            raise serializers.ValidationError(
                {"category": [_("Choose one of the commune's categories.")]}
            )
        category_set(report=report, by=request.user, category=category, note=data.get("note", ""))
        return self.output(report.pk)


class ManageMergeApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_manage_merge",
        summary="Merge a duplicate into the report to keep",
        description=(
            "The duplicate is closed (`duplicate`, `merged_into`); its followers now follow "
            "the kept one and are told. 400 when `into` is not a report you handle, is this "
            "one, or is itself a duplicate; 403 for anyone who handles no report here; 404 "
            "for a report you do not handle."
        ),
        parameters=[COMMUNE_SLUG, PROBLEM_ID],
        request=ProblemMergeInputSerializer,
        responses={200: ProblemStaffDetailSerializer},
    )
    def post(self, request, commune_slug: str, problem_id: int):
        self.require_handler()
        duplicate = self.report(problem_id)
        serializer = ProblemMergeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        into = self.handled().filter(pk=data["into"]).select_related("category").first()
        if into is None:
            raise serializers.ValidationError({"into": [_("Choose a report you handle.")]})
        merge(duplicate=duplicate, into=into, by=request.user, note=data.get("note", ""))
        return self.output(duplicate.pk)


class ManageBulkApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_manage_bulk",
        summary="Move many reports to a status at once, with the same public note",
        description=(
            "All or nothing; those already in the status are skipped. 400 when an id is "
            "not a report you handle (`ids`), or for the status' rules; 403 for anyone who "
            "handles no report here."
        ),
        parameters=[COMMUNE_SLUG],
        request=ProblemBulkInputSerializer,
        responses={200: ProblemBulkOutputSerializer},
    )
    def post(self, request, commune_slug: str):
        self.require_handler()
        serializer = ProblemBulkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        wanted = set(data["ids"])
        reports = list(
            self.handled()
            .filter(pk__in=wanted)
            .select_related("commune", "category", "category__service")
            .order_by("pk")
        )
        missing = sorted(wanted - {report.pk for report in reports})
        if missing:
            raise serializers.ValidationError(
                {
                    "ids": [
                        _("Not reports you handle: %(ids)s.")
                        % {"ids": ", ".join(f"#{pk}" for pk in missing)}
                    ]
                }
            )
        changed = bulk_status(
            reports=reports, by=request.user, status=data["status"], note=data.get("note", "")
        )
        return Response({"changed": changed})


class ManageStatsApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_manage_stats",
        summary="The dashboard of the reports you handle: open ones, median delays, oldest",
        description=(
            "Over the reports you handle (the town hall: the whole commune; a technical "
            "service: its categories): open reports by category and status, the median "
            "hours to acknowledge and to resolve over the reports of the last 90 days (null "
            "without any), the 10 oldest open reports."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: ProblemStatsSerializer},
    )
    def get(self, request, commune_slug: str):
        self.require_handler()
        figures = stats(self.handled())
        return Response(ProblemStatsSerializer(figures).data)


urlpatterns = [
    path("manage/", ManageListApi.as_view(), name="manage"),
    path("manage/bulk/", ManageBulkApi.as_view(), name="manage-bulk"),
    path("manage/stats/", ManageStatsApi.as_view(), name="manage-stats"),
    path("manage/<int:problem_id>/", ManageDetailApi.as_view(), name="manage-detail"),
    path("manage/<int:problem_id>/status/", ManageStatusApi.as_view(), name="manage-status"),
    path("manage/<int:problem_id>/category/", ManageCategoryApi.as_view(), name="manage-category"),
    path("manage/<int:problem_id>/merge/", ManageMergeApi.as_view(), name="manage-merge"),
]
