"""REST API of problem reports, under /api/v1/communes/{commune_slug}/reports/ (REP-1, REP-2).

The core's guard has set ``request.commune`` (404 for an unknown commune or the module
switched off). For the commune's validated residents and staff (``ValidatedResident``:
403 with a message for anyone else). A report of another commune, or one hidden by
moderation (unless it is yours or you handle it), answers 404 like a missing one.
Residents never read who reported a problem ("A resident"); the staff who handle it
read the reporter's name. Reporting, following and "has it been fixed?" go through
``services`` (their refusals: 400 by field, 403, 429). The staff's side is under
``manage/`` (``modules.reports.api_staff``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib.gis.geos import Polygon
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.permissions import ModuleEnabled
from api.schema import DETAIL, ERRORS
from communes.permissions import ValidatedResident
from communes.services import commune_url
from core.api_fields import StrictBooleanField, StrictCharField
from core.api_parsers import JSONParser
from core.openapi import COMMUNE_SLUG, path_id
from modules.reports.models import (
    ADDRESS_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS,
    NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Follower,
    Report,
)
from modules.reports.selectors import (
    access_report,
    active_categories,
    handled_reports,
    history_of,
    is_following,
    nearby_open,
    public_reporter,
    reports_geojson,
    visible_reports,
)
from modules.reports.selectors import reporter_name as staff_reporter_name
from modules.reports.services import answer_fixed, follow, report_create, unfollow

MODULE_LABEL = "reports"
TAGS = ["reports"]
MAX_ID = 2**63 - 1
PROBLEM_ID = path_id("problem_id", "Id of the problem report.")
Status = Report.Status
STATUS_FILTER_VALUES = ["open", "closed", *Status.values]
STATUS_HELP = "new, acknowledged, in_progress, resolved, rejected or duplicate."
SOURCE_VALUES = list(Report.Source.values)
OPTIONAL_FORM_FIELDS = ("latitude", "longitude", "location_source", "answers")


@extend_schema_field({"type": "string"})
class PlainChoiceField(serializers.ChoiceField):
    """A choice written as a plain string in the schema (its values in its help text):
    drf-spectacular names every enum after its field, and a ``status`` enum would
    collide with the other apps' ones."""


def plain_choice(choices: list[str], **kwargs) -> serializers.ChoiceField:
    return PlainChoiceField(choices=choices, **kwargs)


def parse_bool(value: str, field: str) -> bool:
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise serializers.ValidationError({field: [_("Write true or false.")]})


def parse_id(value: str, field: str, message: str) -> int:
    if not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise serializers.ValidationError({field: [message]})
    return int(value)


def parse_bbox(value: str) -> Polygon:
    """``min_lon,min_lat,max_lon,max_lat`` in WGS 84 → a polygon, or a 400 on ``bbox``."""
    message = _("Give min_lon,min_lat,max_lon,max_lat in degrees.")
    parts = value.split(",")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
    except ValueError:
        raise serializers.ValidationError({"bbox": [message]}) from None
    numbers = (min_lon, min_lat, max_lon, max_lat)
    if any(number != number or number in (float("inf"), float("-inf")) for number in numbers):
        raise serializers.ValidationError({"bbox": [message]})
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise serializers.ValidationError({"bbox": [message]})
    box = Polygon.from_bbox(numbers)
    box.srid = 4326
    return box


def filter_reports(request, reports):
    """The list's and the map's filters (``status``, ``category``, ``mine``, ``following``,
    ``bbox``) on ``reports``; a bad value is a 400 on its name."""
    params = request.query_params
    wanted = params.get("status", "")
    if wanted:
        if wanted not in STATUS_FILTER_VALUES:
            raise serializers.ValidationError(
                {"status": [_("Choose open, closed or one of the statuses.")]}
            )
        if wanted == "open":
            reports = reports.filter(status__in=Report.OPEN_STATUSES)
        elif wanted == "closed":
            reports = reports.filter(status__in=Report.CLOSED_STATUSES)
        else:
            reports = reports.filter(status=wanted)
    raw_category = params.get("category", "")
    if raw_category:
        reports = reports.filter(
            category_id=parse_id(raw_category, "category", _("Give a category id."))
        )
    if params.get("mine") and parse_bool(params["mine"], "mine"):
        reports = reports.filter(author=request.user)
    if params.get("following") and parse_bool(params["following"], "following"):
        reports = reports.filter(followers__user=request.user)
    raw_bbox = params.get("bbox", "")
    if raw_bbox:
        reports = reports.filter(location__bboverlaps=parse_bbox(raw_bbox))
    return reports


LIST_FILTERS = [
    COMMUNE_SLUG,
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        enum=STATUS_FILTER_VALUES,
        description="`open` (new, acknowledged, in progress), `closed`, or one status.",
    ),
    OpenApiParameter(
        "category",
        {"type": "integer", "minimum": 1},
        OpenApiParameter.QUERY,
        description="Only the reports of this category (id).",
    ),
    OpenApiParameter(
        "mine",
        OpenApiTypes.BOOL,
        OpenApiParameter.QUERY,
        description="Only the problems you reported.",
    ),
    OpenApiParameter(
        "following",
        OpenApiTypes.BOOL,
        OpenApiParameter.QUERY,
        description="Only the problems you follow (yours included).",
    ),
    OpenApiParameter(
        "bbox",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description=(
            "Only the reports located in this box: `min_lon,min_lat,max_lon,max_lat` "
            "(WGS 84 degrees)."
        ),
    ),
]


# --- serializers ---------------------------------------------------------------------


class ProblemStatusField(serializers.CharField):
    """A report's status (read only), a plain string in the schema."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", STATUS_HELP)
        super().__init__(read_only=True, **kwargs)


class ProblemCategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ProblemReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    category = ProblemCategoryRefSerializer(read_only=True)
    status = ProblemStatusField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    address = serializers.CharField(read_only=True)
    latitude = serializers.SerializerMethodField(help_text="Null while it is not located.")
    longitude = serializers.SerializerMethodField(help_text="Null while it is not located.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    followers_count = serializers.IntegerField(
        read_only=True, help_text="The people told of its follow-up (its reporter included)."
    )
    following = serializers.BooleanField(
        source="my_follow", read_only=True, help_text="You are told of its follow-up."
    )
    is_mine = serializers.SerializerMethodField(help_text="You reported it.")
    photos = serializers.SerializerMethodField(help_text="Addresses of its photos (JPEG).")
    reporter = serializers.CharField(
        source="reporter_name",
        read_only=True,
        help_text='"A resident"; the reporter\'s name for the staff who handle it.',
    )

    def get_latitude(self, report) -> float | None:
        return report.location.y if report.location is not None else None

    def get_longitude(self, report) -> float | None:
        return report.location.x if report.location is not None else None

    def get_is_mine(self, report) -> bool:
        return report.author_id is not None and report.author_id == self.context["user_id"]

    def get_photos(self, report) -> list[str]:
        base = self.context["site_base"]
        return [
            base + reverse("reports:photo", kwargs={"key": photo.key})
            for photo in report.photos.all()
        ]


class ProblemNearbySerializer(ProblemReportSerializer):
    distance_m = serializers.IntegerField(read_only=True, help_text="Metres from the point.")


class ProblemStepSerializer(serializers.Serializer):
    kind = serializers.CharField(
        read_only=True, help_text="status, category, merged, fixed or reopened."
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = ProblemStatusField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    note = serializers.CharField(read_only=True, help_text="The public note (may be empty).")
    public_by = serializers.CharField(
        read_only=True, help_text='Who: the service\'s name, "Town hall" or "The reporter".'
    )
    created_at = serializers.DateTimeField(read_only=True)


class ProblemDetailSerializer(ProblemReportSerializer):
    description = serializers.CharField(read_only=True)
    answers = serializers.DictField(
        read_only=True, help_text="The answers to the category's questions, by question code."
    )
    merged_into = serializers.IntegerField(
        source="merged_into_id",
        read_only=True,
        allow_null=True,
        help_text="For a duplicate: the id of the report it was merged into.",
    )
    history = ProblemStepSerializer(
        source="steps", many=True, read_only=True, help_text="Its follow-up, oldest first."
    )
    can_answer_fixed = serializers.BooleanField(
        read_only=True, help_text='You may answer "Has it been fixed?" now (fixed/).'
    )
    fixed_answer = serializers.CharField(
        read_only=True, help_text='The reporter\'s answer: "", "yes" or "no".'
    )


def answer_error(code: str) -> str:
    return _("Answer %(code)s with text or a number.") % {"code": code}


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "oneOf": [
                {"type": "string"},
                {"type": "number"},
                {"type": "array", "items": {"type": "string"}},
            ]
        },
    }
)
class AnswersField(serializers.Field):
    """The answers to the category's questions: ``{code: value}``; in a multipart form,
    the same object written as JSON text. The service checks them against the questions."""

    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else {}
            except ValueError:
                raise serializers.ValidationError(_("Send the answers as a JSON object.")) from None
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Send the answers as a JSON object."))
        for code, value in data.items():
            if isinstance(value, list):
                if not all(isinstance(item, str) for item in value):
                    raise serializers.ValidationError(answer_error(code))
            elif isinstance(value, bool) or not isinstance(value, str | int | float):
                raise serializers.ValidationError(answer_error(code))
        return data

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "string", "description": "A JSON object {code: value}."})
class AnswersTextField(AnswersField):
    """``answers`` in a multipart form: the JSON text of the object."""


class ProblemCreateSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of an active category of the commune."
    )
    title = StrictCharField(min_length=3, max_length=TITLE_MAX_LENGTH)
    description = StrictCharField(max_length=DESCRIPTION_MAX_LENGTH)
    address = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=ADDRESS_MAX_LENGTH,
        help_text="Located through the geocoder when no point is given.",
    )
    latitude = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=-90,
        max_value=90,
        help_text="With longitude: the point (WGS 84).",
    )
    longitude = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=-180,
        max_value=180,
        help_text="With latitude: the point (WGS 84).",
    )
    location_source = plain_choice(
        SOURCE_VALUES,
        required=False,
        help_text="How the point was chosen: map (default), address, device or photo.",
    )
    answers = AnswersField(required=False, help_text="Answers to the category's questions.")

    def validate(self, attrs):
        has_latitude = attrs.get("latitude") is not None
        if has_latitude != (attrs.get("longitude") is not None):
            missing = "longitude" if has_latitude else "latitude"
            raise serializers.ValidationError({missing: [_("Give both coordinates.")]})
        return attrs


class ProblemCreateMultipartSerializer(ProblemCreateSerializer):
    answers = AnswersTextField(required=False, help_text="Answers, as a JSON object's text.")
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=MAX_PHOTOS,
        help_text=(
            f"Up to {MAX_PHOTOS} photos (JPEG, PNG or WebP), repeated `photos` parts; "
            "re-encoded without their metadata. A photo's GPS position locates the report "
            "when neither a point nor an address is given."
        ),
    )


class ProblemFollowSerializer(serializers.Serializer):
    following = serializers.BooleanField(read_only=True)
    followers_count = serializers.IntegerField(read_only=True)


class ProblemFixedSerializer(serializers.Serializer):
    fixed = StrictBooleanField(help_text="true: it is fixed; false: it is not (reopens it).")
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="What is still wrong: public, shown in the report's history.",
    )


class ProblemQuestionSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    # "label" and "required" are also Field's attributes (the stubs type them).
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    datatype = serializers.CharField(
        read_only=True, help_text="string, text, number, singlevaluelist or multivaluelist."
    )
    required = serializers.BooleanField(read_only=True)  # type: ignore[assignment]
    choices = serializers.SerializerMethodField(help_text="For a list: its choices, in order.")

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                "required": ["key", "name"],
            },
        }
    )
    def get_choices(self, question) -> list[dict[str, str]]:
        return [{"key": key, "name": name} for key, name in question.choices()]


class ProblemCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    questions = ProblemQuestionSerializer(many=True, read_only=True)


GEOJSON_SCHEMA = {
    "type": "object",
    "description": "A GeoJSON FeatureCollection (WGS 84), served as application/json.",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "geometry": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {
                                "type": "array",
                                "items": {"type": "number"},
                                "minItems": 2,
                                "maxItems": 2,
                            },
                        },
                    },
                    "properties": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "title": {"type": "string"},
                            "status": {"type": "string"},
                            "status_label": {"type": "string"},
                            "open": {"type": "boolean"},
                            "category": {"type": "string"},
                            "url": {
                                "type": "string",
                                "description": "Its page on the commune's site.",
                            },
                        },
                    },
                },
            },
        },
    },
    "required": ["type", "features"],
}


# --- views ---------------------------------------------------------------------------


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


def attach_viewer(user, commune, reports: list[Any]) -> list[Any]:
    """``my_follow`` and ``reporter_name`` on each report, in two queries whatever the
    number: who follows (one query) and which ones ``user`` handles (one query)."""
    ids = [report.pk for report in reports]
    if not ids:
        return reports
    followed = set(
        Follower.objects.filter(user=user, report_id__in=ids).values_list("report_id", flat=True)
    )
    handled = set(handled_reports(user, commune).filter(pk__in=ids).values_list("pk", flat=True))
    for report in reports:
        report.my_follow = report.pk in followed
        # selectors.public_reporter's rule, with can_handle read for the whole page at once.
        report.reporter_name = (
            staff_reporter_name(report) if report.pk in handled else _("A resident")
        )
    return reports


class ProblemApiMixin(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated, ValidatedResident]

    def report(self):
        return access_report(
            self.request.user, self.kwargs["problem_id"], commune=self.request.commune
        )

    def context(self):
        return {
            "commune": self.request.commune,
            "user_id": self.request.user.pk,
            "site_base": commune_url(self.request.commune, "").rstrip("/"),
        }

    def detail_output(self, report, *, status_code=status.HTTP_200_OK):
        user = self.request.user
        report = (
            Report.objects.select_related("category", "author", "integrator")
            .prefetch_related("photos")
            .get(pk=report.pk)
        )
        report.my_follow = is_following(user, report)
        report.reporter_name = public_reporter(report, user)
        report.steps = list(history_of(report))
        report.can_answer_fixed = report.is_reporter(user) and report.fixed_question_open
        return Response(
            ProblemDetailSerializer(report, context=self.context()).data, status=status_code
        )


class ProblemListCreateApi(ProblemApiMixin, generics.ListAPIView):
    """The reports residents see (GET, newest first); report a problem (POST)."""

    serializer_class = ProblemReportSerializer
    pagination_class = Pagination
    filter_backends: list = []
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        reports = visible_reports(self.request.user, self.request.commune)
        return filter_reports(self.request, reports).select_related("author", "integrator")

    def get_serializer_context(self):
        return self.context()

    def paginate_queryset(self, queryset):
        reports = super().paginate_queryset(queryset) or []
        return attach_viewer(self.request.user, self.request.commune, reports)

    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_list",
        summary="List the problems reported in the commune",
        description=(
            "Newest first, paginated (`page`, `page_size`). Hidden reports are left out "
            "(except yours); duplicates are listed as closed. The reporter is never named "
            "to residents. 400 for an unknown `status`, a `category` that is not an id, a "
            "`mine`/`following` that is not true or false, or a malformed `bbox`."
        ),
        parameters=LIST_FILTERS,
        responses={200: ProblemReportSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_create",
        summary="Report a problem in public space",
        description=(
            "JSON, or multipart with up to five `photos`. Locate it with a point "
            "(`latitude` and `longitude`, inside the commune), or an `address` (located "
            "later when the geocoder is down), or a photo's GPS position. You follow it from "
            "the start; the service that handles its category is told. 400 with the field's "
            "messages (unknown or retired category, a point outside the commune, an address "
            "not found, no location, a missing answer, an unreadable photo); 403 for who is "
            "not a validated resident; 429 beyond the hourly limit (`Retry-After`)."
        ),
        parameters=[COMMUNE_SLUG],
        request={
            "multipart/form-data": ProblemCreateMultipartSerializer,
            "application/json": ProblemCreateSerializer,
        },
        responses={
            201: ProblemDetailSerializer,
            429: OpenApiResponse(DETAIL, description="Too many reports this hour."),
        },
    )
    def post(self, request, commune_slug: str):
        multipart = request.content_type.startswith(("multipart/", "application/x-www-form"))
        if multipart:
            # A form sends its empty optional fields as "": they are not given.
            data: Any = {
                key: request.data.get(key)
                for key in request.data
                if key != "photos" and not (key in OPTIONAL_FORM_FIELDS and not request.data[key])
            }
            data["photos"] = request.data.getlist("photos") if "photos" in request.data else []
            serializer: serializers.Serializer = ProblemCreateMultipartSerializer(data=data)
        else:
            serializer = ProblemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data
        report = report_create(
            commune=request.commune,
            author=request.user,
            category=validated["category"],
            title=validated["title"],
            description=validated["description"],
            address=validated.get("address", ""),
            latitude=validated.get("latitude"),
            longitude=validated.get("longitude"),
            location_source=validated.get("location_source", ""),
            photos=validated.get("photos", []),
            answers=validated.get("answers") or {},
        )
        return self.detail_output(report, status_code=status.HTTP_201_CREATED)


class ProblemDetailApi(ProblemApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_retrieve",
        summary="A problem report, its photos and its public history",
        description=(
            "404 for another commune's report, a missing one, or one hidden by moderation "
            "(unless it is yours or you handle it)."
        ),
        parameters=[COMMUNE_SLUG, PROBLEM_ID],
        responses={200: ProblemDetailSerializer},
    )
    def get(self, request, commune_slug: str, problem_id: int):
        return self.detail_output(self.report())


class ProblemFollowApi(ProblemApiMixin, APIView):
    def output(self, report: Report, following: bool, code: int) -> Response:
        count = Report.objects.filter(pk=report.pk).values_list("followers_count", flat=True)
        return Response({"following": following, "followers_count": count.get()}, status=code)

    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_follow",
        summary='"Me too": follow a problem and be told of its follow-up',
        description=(
            "201 when you now follow it, 200 when you already did. 400 when the report is "
            "closed (resolved, rejected or a duplicate): follow the one it was merged into. "
            "403 for who may not follow (not a validated resident)."
        ),
        parameters=[COMMUNE_SLUG, PROBLEM_ID],
        request=None,
        responses={200: ProblemFollowSerializer, 201: ProblemFollowSerializer},
    )
    def post(self, request, commune_slug: str, problem_id: int):
        report = self.report()
        created = follow(user=request.user, report=report)
        return self.output(report, True, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_unfollow",
        summary="Stop following a problem",
        description="204 whether you followed it or not.",
        parameters=[COMMUNE_SLUG, PROBLEM_ID],
        request=None,
        responses={204: None},
    )
    def delete(self, request, commune_slug: str, problem_id: int):
        unfollow(user=request.user, report=self.report())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProblemFixedApi(ProblemApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_fixed",
        summary='Answer "Has it been fixed?" about a problem you reported',
        description=(
            "Asked four weeks after it was resolved (`can_answer_fixed`), once. `fixed: "
            "false` reopens it with your note, shown in its history; the service is told. "
            "403 when you did not report it; 400 when it was not asked or already answered."
        ),
        parameters=[COMMUNE_SLUG, PROBLEM_ID],
        request=ProblemFixedSerializer,
        responses={200: ProblemDetailSerializer},
    )
    def post(self, request, commune_slug: str, problem_id: int):
        report = self.report()
        serializer = ProblemFixedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answer_fixed(
            user=request.user, report=report, fixed=data["fixed"], note=data.get("note", "")
        )
        return self.detail_output(report)


class ProblemNearbyApi(ProblemApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_nearby",
        summary="Open reports of a category near a point: is it the same problem?",
        description=(
            "At most five open reports of that category within 50 m, nearest first, each "
            "with `distance_m`: the app offers to follow one instead of reporting it again. "
            "400 for a missing or invalid `category`, `latitude` or `longitude`."
        ),
        parameters=[
            COMMUNE_SLUG,
            OpenApiParameter(
                "category",
                {"type": "integer", "minimum": 1},
                OpenApiParameter.QUERY,
                required=True,
                description="Id of an active category of the commune.",
            ),
            OpenApiParameter(
                "latitude",
                {"type": "number", "minimum": -90, "maximum": 90},
                OpenApiParameter.QUERY,
                required=True,
            ),
            OpenApiParameter(
                "longitude",
                {"type": "number", "minimum": -180, "maximum": 180},
                OpenApiParameter.QUERY,
                required=True,
            ),
        ],
        responses={200: ProblemNearbySerializer(many=True), 400: ERRORS["400"]},
    )
    def get(self, request, commune_slug: str):
        params = request.query_params
        errors: dict[str, list[str]] = {}
        category = None
        raw_category = params.get("category", "")
        if raw_category.isdigit() and 0 < int(raw_category) <= MAX_ID:
            category = active_categories(request.commune).filter(pk=int(raw_category)).first()
        if category is None:
            errors["category"] = [_("Choose one of the commune's categories.")]
        coordinates: dict[str, float] = {}
        for name, bound in (("latitude", 90), ("longitude", 180)):
            try:
                value = float(params.get(name, ""))
            except ValueError:
                value = float("nan")
            if not -bound <= value <= bound:  # NaN fails too
                errors[name] = [
                    _("Give a number between -%(bound)s and %(bound)s.") % {"bound": bound}
                ]
            else:
                coordinates[name] = value
        if errors:
            raise serializers.ValidationError(errors)
        reports: list[Any] = nearby_open(
            commune=request.commune,
            category=category,
            latitude=coordinates["latitude"],
            longitude=coordinates["longitude"],
        )
        prefetch_related_objects(reports, "photos", "category", "author", "integrator")
        attach_viewer(request.user, request.commune, reports)
        for report in reports:
            report.distance_m = round(report.distance_m)
        return Response(ProblemNearbySerializer(reports, many=True, context=self.context()).data)


class ProblemMapApi(ProblemApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_map",
        summary="The located reports as GeoJSON, for a map",
        description=(
            "A FeatureCollection of the reports the list shows (same filters), each a Point "
            "with its id, title, status, category and the address of its page; no personal "
            "data. Served as `application/json`. Reports not located yet are left out."
        ),
        parameters=LIST_FILTERS,
        responses={
            200: OpenApiResponse(GEOJSON_SCHEMA, description="GeoJSON"),
            400: ERRORS["400"],
        },
    )
    def get(self, request, commune_slug: str):
        reports = filter_reports(request, visible_reports(request.user, request.commune))
        return Response(reports_geojson(reports))


class ProblemCategoriesApi(ProblemApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_problems_categories",
        summary="The categories of problems residents may report, with their questions",
        description="In their order; not paginated (a commune has a few dozen at most).",
        parameters=[COMMUNE_SLUG],
        responses={200: ProblemCategorySerializer(many=True)},
    )
    def get(self, request, commune_slug: str):
        categories: list[Category] = list(active_categories(request.commune))
        return Response(ProblemCategorySerializer(categories, many=True).data)
