"""REST API of moderation (CNT-5), under /api/v1/reports/ and /api/v1/moderation/.

* Residents report an item of any reportable kind (or a person, ``accounts.user``), read
  their reports with the outcome, and read and appeal the decisions about them.
* Moderators (platform staff: every case; town-hall staff who publish for a commune:
  its own spaces' cases) read the queue, decide one case or many, and platform staff
  read and lift suspensions.

Someone without a queue gets 404 on every staff address, exactly as for a case out of
their scope or one that does not exist; 403 only where a moderator may not take an action
(a town hall suspending, the first moderator deciding the appeal). A reporter's identity
reaches platform staff only: never the author, never the town hall.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.staff import is_platform_staff
from api.schema import ERRORS
from core.api_fields import StrictCharField, StrictIntegerField
from core.api_pagination import CursorPagination
from core.ids import MAX_ID, positive_id
from core.modules import registry
from core.openapi import path_id
from moderation import items, selectors, services
from moderation.models import (
    PERSON_KIND,
    TEXT_MAX_LENGTH,
    Action,
    Case,
    Decision,
    Reason,
    Report,
    Suspension,
)
from moderation.notify import OUTCOMES
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

TAGS = ["reports"]
STAFF_TAGS = ["moderation (staff)"]
LARGEST_ID = MAX_ID - 1
BULK_MAX = 100
OLDER_THAN_MAX = 24 * 366 * 10  # hours

REPORT_ID = path_id("report_id", "Id of your report.")
DECISION_ID = path_id("decision_id", "Id of the decision (its case).")
CASE_ID = path_id("case_id", "Id of the case.")
SUSPENSION_ID = path_id("suspension_id", "Id of the suspension.")

#: What can be reported: every reportable kind of the registry, and a person.
KIND_CHOICES = [kind.key for kind in registry.reportable_kinds()] + [PERSON_KIND]
BULK_CHOICES = [Action.KEEP.value, Action.HIDE.value]
#: What a reporter reads of their report's case: waiting, or decided (kept or hidden).
REPORT_STATUS_CHOICES = ["waiting", "decided"]
OUTCOME_CHOICES = ["kept", "hidden"]


def kind_label(key: str) -> str:
    return str(items.label_of(key))


# --- serializers ---------------------------------------------------------------------


class ReportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=KIND_CHOICES, help_text="What you report: a kind of content, or `accounts.user`."
    )
    id = StrictIntegerField(
        min_value=1, max_value=LARGEST_ID, help_text="Id of the item (or of the person)."
    )
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        help_text=(
            "For content: spam, harassment, false_information, personal_data, illegal, other. "
            "For a person: impersonation, behaviour, harassment, other."
        ),
    )
    text = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX_LENGTH,
        trim_whitespace=False,
        help_text="Details; required for `other`.",
    )
    impersonated_name = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=150,
        trim_whitespace=False,
        help_text="The name they use: required for `impersonation`.",
    )


class ReportSerializer(serializers.Serializer):
    """One of the caller's reports: what they reported and what became of it."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=KIND_CHOICES, source="case.kind", read_only=True)
    kind_label = serializers.SerializerMethodField()
    item_id = serializers.IntegerField(source="case.object_id", read_only=True)
    excerpt = serializers.CharField(source="case.excerpt", read_only=True)
    link = serializers.CharField(source="case.link", read_only=True)
    reason = serializers.ChoiceField(choices=Reason.choices, read_only=True)
    text = serializers.CharField(read_only=True)
    impersonated_name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    status = serializers.SerializerMethodField(
        help_text="`waiting` for the moderators, or `decided`."
    )
    outcome = serializers.SerializerMethodField(
        help_text="Once decided: `kept` (the reports were dismissed) or `hidden`."
    )
    decided_at = serializers.DateTimeField(
        source="case.decided_at", read_only=True, allow_null=True
    )

    def get_kind_label(self, report: Report) -> str:
        return kind_label(report.case.kind)

    @staticmethod
    def _decided(report: Report) -> bool:
        return report.case.decided_at is not None and bool(report.case.decision)

    @extend_schema_field(serializers.ChoiceField(choices=REPORT_STATUS_CHOICES))
    def get_status(self, report: Report) -> str:
        return "decided" if self._decided(report) else "waiting"

    @extend_schema_field(serializers.ChoiceField(choices=OUTCOME_CHOICES, allow_null=True))
    def get_outcome(self, report: Report) -> str | None:
        return OUTCOMES.get(report.case.decision) if self._decided(report) else None


class DecisionSerializer(serializers.Serializer):
    """A decision about the caller (their content, or themselves)."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=KIND_CHOICES, read_only=True)
    kind_label = serializers.SerializerMethodField()
    item_id = serializers.IntegerField(source="object_id", read_only=True)
    excerpt = serializers.CharField(read_only=True)
    link = serializers.CharField(read_only=True)
    action = serializers.ChoiceField(choices=Action.choices, source="decision", read_only=True)
    note = serializers.CharField(source="decision_note", read_only=True)
    decided_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=Case.Status.choices, read_only=True)
    appeal_text = serializers.CharField(read_only=True)
    appealed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    can_appeal = serializers.SerializerMethodField(help_text="You may still appeal (once).")

    def get_kind_label(self, case: Case) -> str:
        return kind_label(case.kind)

    def get_can_appeal(self, case: Case) -> bool:
        return case.can_appeal


class PendingSerializer(serializers.Serializer):
    """Content of the caller's hidden until a moderator reviews it (reports, held text)."""

    id = serializers.IntegerField(read_only=True, help_text="Id of the case.")
    kind = serializers.ChoiceField(choices=KIND_CHOICES, read_only=True)
    kind_label = serializers.SerializerMethodField()
    item_id = serializers.IntegerField(source="object_id", read_only=True)
    excerpt = serializers.CharField(read_only=True)
    link = serializers.CharField(read_only=True)
    hidden_at = serializers.DateTimeField(source="auto_hidden_at", read_only=True)

    def get_kind_label(self, case: Case) -> str:
        return kind_label(case.kind)


class AppealSerializer(serializers.Serializer):
    text = StrictCharField(
        max_length=TEXT_MAX_LENGTH, trim_whitespace=False, help_text="Why you contest it."
    )


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=KIND_CHOICES, read_only=True)
    kind_label = serializers.SerializerMethodField()
    item_id = serializers.IntegerField(source="object_id", read_only=True)
    commune = serializers.SerializerMethodField(help_text="Slug of the item's commune.")
    community = serializers.IntegerField(source="community_id", read_only=True, allow_null=True)
    town_hall = serializers.BooleanField(
        read_only=True, help_text="The commune's staff moderate it (else the platform only)."
    )
    author = PersonSerializer(
        source="author_card",
        read_only=True,
        help_text="The author (or the reported person), through the privacy rules.",
    )
    excerpt = serializers.CharField(read_only=True)
    link = serializers.CharField(read_only=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field, named like Field.source
        choices=Case.Source.choices, read_only=True
    )
    status = serializers.ChoiceField(choices=Case.Status.choices, read_only=True)
    report_count = serializers.IntegerField(read_only=True)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=Reason.choices),
        read_only=True,
        help_text="The reasons given, each once.",
    )
    opened_at = serializers.DateTimeField(read_only=True)
    last_reported_at = serializers.DateTimeField(read_only=True)
    auto_hidden_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Hidden pending review since then."
    )
    decision = serializers.CharField(
        read_only=True, help_text="The last decision (an action), or empty while new."
    )
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decision_note = serializers.CharField(read_only=True)
    decided_by_me = serializers.SerializerMethodField(
        help_text="You took the last decision: someone else decides the appeal."
    )
    appeal_text = serializers.CharField(read_only=True)
    appealed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_kind_label(self, case: Case) -> str:
        return kind_label(case.kind)

    def get_commune(self, case: Case) -> str | None:
        return case.commune.slug if case.commune is not None else None

    def get_decided_by_me(self, case: Case) -> bool:
        return case.decided_by_id is not None and case.decided_by_id == self.context.get("user_id")


class CaseReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reason = serializers.ChoiceField(choices=Reason.choices, read_only=True)
    text = serializers.CharField(read_only=True)
    impersonated_name = serializers.CharField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    reporter = PersonSerializer(
        source="reporter_card",
        read_only=True,
        allow_null=True,
        help_text="Who reported: for the platform's moderators only (null for a town hall).",
    )


class CaseDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Action.choices, read_only=True)
    note = serializers.CharField(read_only=True)
    on_appeal = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class CaseDetailSerializer(CaseSerializer):
    reports = CaseReportSerializer(many=True, read_only=True, source="report_rows")
    decisions = CaseDecisionSerializer(many=True, read_only=True, source="decision_rows")


class DecideSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=Action.choices,
        help_text="keep, hide, warn (hides too); exclude and suspend: platform staff only.",
    )
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=services.NOTE_MAX_LENGTH,
        trim_whitespace=False,
        help_text="The note to the author (required except for keep), kept in the audit log.",
    )


class BulkSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=LARGEST_ID),
        min_length=1,
        max_length=BULK_MAX,
        help_text=f"Ids of waiting cases, at most {BULK_MAX}.",
    )
    action = serializers.ChoiceField(choices=BULK_CHOICES)
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=services.NOTE_MAX_LENGTH,
        trim_whitespace=False,
        help_text="Required to hide.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        note = attrs.get("note", "")
        if attrs["action"] == Action.HIDE and not note.strip():
            raise serializers.ValidationError({"note": [_("Write the note the author will read.")]})
        return attrs


class BulkResultSerializer(serializers.Serializer):
    decided = serializers.IntegerField(help_text="Cases decided.")
    skipped = serializers.IntegerField(
        help_text="Cases not decided: decided meanwhile, not yours to decide, or unknown."
    )


class SuspensionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    user = PersonSerializer(source="user_card", read_only=True)
    reason = serializers.CharField(read_only=True)
    case = serializers.IntegerField(source="case_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    lifted_at = serializers.DateTimeField(read_only=True, allow_null=True)


class QueueFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=KIND_CHOICES, required=False)
    commune = serializers.SlugField(required=False, max_length=100)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False)
    older_than = serializers.IntegerField(required=False, min_value=1, max_value=OLDER_THAN_MAX)


class SuspensionFilterSerializer(serializers.Serializer):
    active = serializers.ChoiceField(choices=["true", "false"], required=False)


QUEUE_PARAMETERS = [
    OpenApiParameter(
        "status",
        str,
        enum=Case.Status.values,
        description="Cases with this status; without it, the waiting ones (new and appealed).",
    ),
    OpenApiParameter("kind", str, enum=KIND_CHOICES, description="One kind of content."),
    OpenApiParameter("commune", str, description="Slug of a commune."),
    OpenApiParameter(
        "reason", str, enum=Reason.values, description="Cases with a report for this reason."
    ),
    OpenApiParameter(
        "older_than",
        {"type": "integer", "minimum": 1, "maximum": OLDER_THAN_MAX},
        description="Opened at least this many hours ago.",
    ),
]
ACTIVE_PARAMETER = OpenApiParameter(
    "active", str, enum=["true", "false"], description="Only current (true) or lifted (false)."
)
TOO_MANY = OpenApiResponse(ERRORS["429"].response, description=ERRORS["429"].description)
NOT_FOUND = OpenApiResponse(ERRORS["404"].response, description=ERRORS["404"].description)


# --- paginations ---------------------------------------------------------------------


class ReportCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-created_at", "-id")


class DecisionCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-decided_at", "-id")


class PendingCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-auto_hidden_at", "-id")


class QueueCursorPagination(CursorPagination):
    """The oldest waiting case first."""

    page_size = 30
    ordering = ("opened_at", "id")


class SuspensionCursorPagination(CursorPagination):
    page_size = 30
    ordering = ("-created_at", "-id")


# --- views ---------------------------------------------------------------------------


if TYPE_CHECKING:
    _ApiBase = APIView
else:
    _ApiBase = object


def _field_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError with the API's field names (``object_id`` is ``id``)."""
    if not hasattr(exc, "error_dict"):
        return serializers.ValidationError({"non_field_errors": list(exc.messages)})
    renamed = {"object_id": "id", "__all__": "non_field_errors"}
    return serializers.ValidationError(
        {renamed.get(field, field): messages for field, messages in exc.message_dict.items()}
    )


class ModerationApiMixin(_ApiBase):
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        # RateLimited (core.abuse's) is api.exceptions' 429; only the field name differs.
        if isinstance(exc, DjangoValidationError):
            exc = _field_errors(exc)
        return super().handle_exception(exc)


class StaffMixin(ModerationApiMixin):
    """Moderators only: 404 for anyone without a queue."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.is_moderator(request.user):
            raise Http404


class PlatformStaffMixin(ModerationApiMixin):
    """The platform's moderators only: 404 for anyone else (town halls included)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not is_platform_staff(request.user):
            raise Http404


# --- a resident's side ---------------------------------------------------------------


class ReportListCreateApi(ModerationApiMixin, generics.ListAPIView):
    serializer_class = ReportSerializer
    pagination_class = ReportCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return selectors.reports_of(self.request.user)

    @extend_schema(
        tags=TAGS,
        operation_id="reports_list",
        summary="Your reports",
        description=(
            "Newest first, cursor-paginated, with what became of each: `waiting`, or "
            "`decided` and its outcome (`kept` or `hidden`)."
        ),
        responses={200: ReportSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="reports_create",
        summary="Report content or a person",
        description=(
            "Once per item. 404 for an item you cannot see (as for a missing one), a person "
            "you never meet on the platform, or yourself; 400 with field messages for your "
            "own content, a second report, a reason that does not fit the kind, a missing "
            "text (`other`) or name (`impersonation`); 429 with Retry-After over the hourly "
            "limit. When enough residents reported an item it is hidden pending review."
        ),
        request=ReportCreateSerializer,
        responses={201: ReportSerializer, 404: NOT_FOUND, 429: TOO_MANY},
    )
    def post(self, request):
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = services.report(
            reporter=request.user,
            kind=data["kind"],
            object_id=data["id"],
            reason=data["reason"],
            text=data.get("text", ""),
            impersonated_name=data.get("impersonated_name", ""),
        )
        row = selectors.reports_of(request.user).get(pk=row.pk)
        return Response(ReportSerializer(row).data, status=status.HTTP_201_CREATED)


class ReportDetailApi(ModerationApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="reports_retrieve",
        summary="One of your reports",
        parameters=[REPORT_ID],
        responses={200: ReportSerializer},
    )
    def get(self, request, report_id: int):
        report = selectors.access_own_report(request.user, report_id)
        return Response(ReportSerializer(report).data)


def access_decision(user, pk: Any) -> Case:
    case = selectors.decided_about(user).filter(pk=positive_id(pk)).first()
    if case is None:
        raise Http404
    return case


class DecisionListApi(ModerationApiMixin, generics.ListAPIView):
    serializer_class = DecisionSerializer
    pagination_class = DecisionCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.decided_about(self.request.user)

    @extend_schema(
        tags=TAGS,
        operation_id="moderation_decisions_list",
        summary="Decisions about you",
        description=(
            "Your content hidden, a warning, an exclusion or a suspension, with the "
            "moderators' note; newest first. `can_appeal` while you may still appeal."
        ),
        responses={200: DecisionSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DecisionDetailApi(ModerationApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="moderation_decisions_retrieve",
        summary="A decision about you",
        parameters=[DECISION_ID],
        responses={200: DecisionSerializer},
    )
    def get(self, request, decision_id: int):
        return Response(DecisionSerializer(access_decision(request.user, decision_id)).data)


class PendingListApi(ModerationApiMixin, generics.ListAPIView):
    serializer_class = PendingSerializer
    pagination_class = PendingCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.hidden_pending_about(self.request.user)

    @extend_schema(
        tags=TAGS,
        operation_id="moderation_pending_list",
        summary="Your content hidden pending review",
        description=(
            "Hidden because several residents reported it, or held by the abuse control, "
            "until a moderator decides (then it is in decisions/, or shows again)."
        ),
        responses={200: PendingSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AppealApi(ModerationApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="moderation_decisions_appeal",
        summary="Appeal a decision",
        description=(
            "Once: the case goes back to the queue for another moderator. 400 when you "
            "already appealed; 404 for a decision that is not about you."
        ),
        parameters=[DECISION_ID],
        request=AppealSerializer,
        responses={200: DecisionSerializer},
    )
    def post(self, request, decision_id: int):
        case = access_decision(request.user, decision_id)
        serializer = AppealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if case.appealed_at is not None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("You already appealed this decision.")]}
            )
        case = services.appeal(
            author=request.user, case=case, text=serializer.validated_data["text"]
        )
        return Response(DecisionSerializer(case).data)


# --- the moderators' side ------------------------------------------------------------


def _queue_rows(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related("commune")


def _with_cards(user, cases: list[Case]) -> list[Case]:
    """The authors' cards and each case's reasons (one query for the page, on PostgreSQL
    and SQLite alike: no array aggregate)."""
    attach_cards(user, cases, "author")
    reasons: dict[int, set[str]] = {}
    rows = (
        Report.objects.filter(case__in=[case.pk for case in cases])
        .order_by()
        .values_list("case_id", "reason")
        .distinct()
    )
    for case_id, reason in rows:
        reasons.setdefault(case_id, set()).add(reason)
    for case in cases:
        case.reasons = sorted(reasons.get(case.pk, ()))  # type: ignore[attr-defined]
    return cases


def case_detail(user, case_id: Any) -> Case:
    """A case in ``user``'s scope with its reports (reporters for platform staff only)
    and its decisions: Http404 out of scope."""
    case = selectors.access_case(user, case_id)
    case = _queue_rows(Case.objects.filter(pk=case.pk)).get()
    _with_cards(user, [case])
    reports = list(Report.objects.filter(case=case).order_by("created_at", "pk"))
    if is_platform_staff(user):
        attach_cards(user, reports, "reporter")
    else:
        for report in reports:
            report.reporter_card = None  # type: ignore[attr-defined]
            report.impersonated_name = None  # type: ignore[assignment]
    case.report_rows = reports  # type: ignore[attr-defined]
    decisions = Decision.objects.filter(case=case).order_by("created_at", "pk")
    case.decision_rows = list(decisions)  # type: ignore[attr-defined]
    return case


class CaseListApi(StaffMixin, generics.ListAPIView):
    serializer_class = CaseSerializer
    pagination_class = QueueCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        params = QueueFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        wanted = params.validated_data
        user = self.request.user
        if wanted.get("status"):
            cases = selectors.cases_for(user).filter(status=wanted["status"])
        else:
            cases = selectors.queue_for(user)
        if wanted.get("kind"):
            cases = cases.filter(kind=wanted["kind"])
        if wanted.get("commune"):
            cases = cases.filter(commune__slug=wanted["commune"])
        if wanted.get("reason"):
            cases = cases.filter(
                Exists(Report.objects.filter(case=OuterRef("pk"), reason=wanted["reason"]))
            )
        if wanted.get("older_than"):
            since = timezone.now() - timedelta(hours=wanted["older_than"])
            cases = cases.filter(opened_at__lte=since)
        return _queue_rows(cases)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user_id": self.request.user.pk}

    def paginate_queryset(self, queryset):
        return _with_cards(self.request.user, super().paginate_queryset(queryset))

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="moderation_cases_list",
        summary="The moderation queue",
        description=(
            "Platform staff: every case. Town-hall staff who publish for a commune: the "
            "cases of its own spaces (news comments, groups, classifieds), never a "
            "community's content nor a person. 404 for anyone else. Oldest first, "
            "cursor-paginated; 400 for a filter that is not one of the values."
        ),
        parameters=QUEUE_PARAMETERS,
        responses={200: CaseSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CaseDetailApi(StaffMixin, APIView):
    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="moderation_cases_retrieve",
        summary="A case, its reports and decisions",
        description="Who reported is given to the platform's moderators only.",
        parameters=[CASE_ID],
        responses={200: CaseDetailSerializer},
    )
    def get(self, request, case_id: int):
        case = case_detail(request.user, case_id)
        return Response(CaseDetailSerializer(case, context={"user_id": request.user.pk}).data)


class CaseDecisionApi(StaffMixin, APIView):
    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="moderation_cases_decide",
        summary="Decide a case",
        description=(
            "keep (the reports are dismissed; an item hidden pending review shows again), "
            "hide, warn (the item is hidden and the author warned), exclude from the "
            "community or suspend the account (the platform's moderators only: 403 for a "
            "town hall). 400 when the case is already decided; 403 when you took the "
            "decision under appeal."
        ),
        parameters=[CASE_ID],
        request=DecideSerializer,
        responses={200: CaseDetailSerializer},
    )
    def post(self, request, case_id: int):
        case = selectors.access_case(request.user, case_id)
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.decide(
            by=request.user, case=case, action=data["action"], note=data.get("note", "")
        )
        case = case_detail(request.user, case.pk)
        return Response(CaseDetailSerializer(case, context={"user_id": request.user.pk}).data)


class CaseBulkApi(StaffMixin, APIView):
    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="moderation_cases_bulk",
        summary="Keep or hide many cases",
        description=(
            "Each case is decided on its own: one decided meanwhile, out of your scope or "
            "unknown is skipped."
        ),
        request=BulkSerializer,
        responses={200: BulkResultSerializer, 404: NOT_FOUND},
    )
    def post(self, request):
        serializer = BulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ids = list(dict.fromkeys(data["ids"]))
        cases = list(selectors.cases_for(request.user).filter(pk__in=ids).order_by("pk"))
        decided, skipped = services.decide_many(
            by=request.user, cases=cases, action=data["action"], note=data.get("note", "")
        )
        return Response({"decided": decided, "skipped": skipped + len(ids) - len(cases)})


class SuspensionListApi(PlatformStaffMixin, generics.ListAPIView):
    serializer_class = SuspensionSerializer
    pagination_class = SuspensionCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Suspension.objects.none()
        params = SuspensionFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        suspensions = Suspension.objects.all()
        active = params.validated_data.get("active")
        if active:
            suspensions = suspensions.filter(lifted_at__isnull=active == "true")
        return suspensions

    def paginate_queryset(self, queryset):
        return attach_cards(self.request.user, super().paginate_queryset(queryset), "user")

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="moderation_suspensions_list",
        summary="Suspended accounts",
        description="The platform's moderators only (404 for anyone else); newest first.",
        parameters=[ACTIVE_PARAMETER],
        responses={200: SuspensionSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SuspensionLiftApi(PlatformStaffMixin, APIView):
    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="moderation_suspensions_lift",
        summary="Lift a suspension",
        description=(
            "Login works again and what the suspension hid shows again. 400 when it was "
            "already lifted."
        ),
        parameters=[SUSPENSION_ID],
        request=None,
        responses={200: SuspensionSerializer},
    )
    def post(self, request, suspension_id: int):
        suspension = Suspension.objects.filter(pk=positive_id(suspension_id)).first()
        if suspension is None:
            raise Http404
        suspension = services.lift_suspension(by=request.user, suspension=suspension)
        suspension.refresh_from_db()
        attach_cards(request.user, [suspension], "user")
        return Response(SuspensionSerializer(suspension).data)
