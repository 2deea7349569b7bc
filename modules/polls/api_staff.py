"""Staff routes of the polls API, under /api/v1/communes/{commune_slug}/polls/manage/ (POL-1).

For the town hall's staff who publish for the commune (``permissions.can_manage_polls``):
anyone else gets 403 with a sentence saying so. A poll of another commune and a missing
one answer 404 alike.

* ``GET manage/``: every poll of the commune, the ones not open yet and those moderation
  hid included, newest opening first (paginated); ``POST manage/``: publish one (201).
* ``GET manage/{poll_id}/``; ``PATCH manage/{poll_id}/``: only the fields sent change;
  once someone took part only ``closes_at`` may (400 on the other fields otherwise).
* ``POST manage/{poll_id}/close/``: close an open poll now (200; 400 when it is closed
  already or not open yet).
* ``GET manage/{poll_id}/results.csv``: the results for a spreadsheet (``exports``), only
  while they are visible by the rule residents see them by (409 otherwise, with the reason).

Dates: ISO 8601; a date-time without an offset is read in the commune's time zone.
Errors of the services come back as 400 with messages by field (``choices`` for the
answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.permissions import ModuleEnabled
from api.schema import DETAIL
from core.api_fields import StrictCharField
from core.openapi import COMMUNE_SLUG, path_id
from modules.polls.api import PollResultsOutputSerializer
from modules.polls.exports import results_csv
from modules.polls.models import (
    CHOICE_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    Choice,
    Poll,
)
from modules.polls.permissions import can_manage_polls
from modules.polls.selectors import results_of, status_of
from modules.polls.services import poll_close, poll_create, poll_update

if TYPE_CHECKING:
    from django.db.models import QuerySet

MODULE_LABEL = "polls"
TAGS = ["polls"]
POLL_ID = path_id("poll_id", "Id of the poll.")


class PollManager(BasePermission):
    """The town hall's staff who publish for the commune of the URL."""

    def has_permission(self, request, view):
        return can_manage_polls(request.user, getattr(request, "commune", None))

    @property
    def message(self):
        return _("Only the town hall's staff manage the polls.")


# --- serializers ---------------------------------------------------------------------


class StaffChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    position = serializers.IntegerField(read_only=True)


class StaffPollSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    question = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    choices = StaffChoiceSerializer(source="choice_list", many=True, read_only=True)
    status = serializers.CharField(
        source="api_status", read_only=True, help_text="`upcoming`, `open` or `closed`."
    )
    opens_at = serializers.DateTimeField(read_only=True)
    closes_at = serializers.DateTimeField(read_only=True)
    closed_early_at = serializers.DateTimeField(read_only=True, allow_null=True)
    results = serializers.CharField(
        read_only=True,
        help_text="When results are shown: `live` (to a resident once they answered, to "
        "everyone at closing) or `closing` (at closing only).",
    )
    participants = serializers.IntegerField(read_only=True, help_text="Residents who answered.")
    locked = serializers.BooleanField(
        read_only=True, help_text="Someone answered: only `closes_at` may still change."
    )
    hidden = serializers.BooleanField(read_only=True, help_text="Hidden by moderation.")
    opening_notified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class StaffPollDetailSerializer(StaffPollSerializer):
    results_now = PollResultsOutputSerializer(
        source="results_view",
        read_only=True,
        help_text="The results as residents see them now (`visible` false: `note` says why).",
    )


class _DatesMixin(serializers.Serializer):
    """Date-times without an offset are read in the commune's time zone."""

    def __init__(self, *args, commune=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commune is not None:
            for name in ("opens_at", "closes_at"):
                if name in self.fields:
                    self.fields[name].timezone = commune.tzinfo


class PollCreateSerializer(_DatesMixin):
    question = StrictCharField(max_length=QUESTION_MAX_LENGTH, allow_blank=True)
    description = StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    choices = serializers.ListField(
        child=StrictCharField(
            max_length=CHOICE_MAX_LENGTH, allow_blank=True, trim_whitespace=False
        ),
        help_text="2 to 10 answers, distinct (case and spaces aside), in their order.",
    )
    opens_at = serializers.DateTimeField(
        required=False, help_text="Default: now (the poll opens at once)."
    )
    closes_at = serializers.DateTimeField(help_text="After the opening, in the future.")
    results = serializers.ChoiceField(
        choices=Poll.Results.choices, required=False, default=Poll.Results.LIVE
    )


class PollUpdateSerializer(_DatesMixin):
    """PATCH: only the fields sent change."""

    question = StrictCharField(max_length=QUESTION_MAX_LENGTH, allow_blank=True, required=False)
    description = StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False
    )
    choices = serializers.ListField(
        child=StrictCharField(
            max_length=CHOICE_MAX_LENGTH, allow_blank=True, trim_whitespace=False
        ),
        required=False,
        help_text="All the answers, in their order (replaces them).",
    )
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    results = serializers.ChoiceField(choices=Poll.Results.choices, required=False)


class ResultsNotVisible(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "results_not_visible"


# --- views ---------------------------------------------------------------------------

if TYPE_CHECKING:
    _ApiBase = APIView
else:
    _ApiBase = object

ERRORS_403 = OpenApiResponse(DETAIL, description="Not the town hall's staff who publish.")
ERRORS_404 = OpenApiResponse(DETAIL, description="No such poll in this commune.")


def staff_polls(commune) -> QuerySet[Poll]:
    return (
        Poll.objects.filter(commune=commune)
        .select_related("commune")
        .annotate(participants=Count("participations"))
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("position", "id")))
        .order_by("-opens_at", "-id")
    )


def _decorate(poll: Poll, now=None) -> Poll:
    now = now or timezone.now()
    poll.api_status = status_of(poll, now)
    poll.choice_list = list(poll.choices.all())
    poll.locked = poll.participants > 0
    poll.hidden = poll.hidden_at is not None
    return poll


class StaffApiMixin(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated, PollManager]

    def poll(self, poll_id: int) -> Poll:
        commune = self.request.commune  # type: ignore[attr-defined]  # the core's guard
        return get_object_or_404(staff_polls(commune), pk=poll_id)

    def detail_output(self, poll_id: int, *, status_code=status.HTTP_200_OK) -> Response:
        poll = _decorate(self.poll(poll_id))
        user = self.request.user
        poll.results_view = results_of(poll, user)  # type: ignore[arg-type]
        return Response(StaffPollDetailSerializer(poll).data, status=status_code)


class StaffPollListApi(StaffApiMixin, generics.ListAPIView):
    serializer_class = StaffPollSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Poll.objects.none()
        return staff_polls(self.request.commune)

    def paginate_queryset(self, queryset):
        polls = super().paginate_queryset(queryset) or []
        now = timezone.now()
        return [_decorate(poll, now) for poll in polls]

    @extend_schema(
        tags=TAGS,
        operation_id="polls_manage_list",
        summary="Every poll of the commune (town-hall staff)",
        description=(
            "Newest opening first, the polls not open yet and those moderation hid "
            "included, with their participation. 403 for anyone but the town hall's staff "
            "who publish."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: StaffPollSerializer(many=True), 403: ERRORS_403},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="polls_manage_create",
        summary="Publish a poll (town-hall staff)",
        description=(
            "2 to 10 distinct answers; `closes_at` after `opens_at` (default now) and in the "
            "future. Residents are told when it opens. 400 with messages by field."
        ),
        parameters=[COMMUNE_SLUG],
        request=PollCreateSerializer,
        responses={201: StaffPollDetailSerializer, 403: ERRORS_403},
    )
    def post(self, request, commune_slug: str):
        serializer = PollCreateSerializer(data=request.data, commune=request.commune)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        poll = poll_create(
            commune=request.commune,
            by=request.user,
            question=data["question"],
            description=data.get("description", ""),
            choices=data["choices"],
            opens_at=data.get("opens_at") or timezone.now(),
            closes_at=data["closes_at"],
            results=data.get("results", Poll.Results.LIVE),
        )
        return self.detail_output(poll.pk, status_code=status.HTTP_201_CREATED)


class StaffPollDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="polls_manage_retrieve",
        summary="A poll of the commune (town-hall staff)",
        description="With its answers and its results as residents see them now.",
        parameters=[COMMUNE_SLUG, POLL_ID],
        responses={200: StaffPollDetailSerializer, 403: ERRORS_403, 404: ERRORS_404},
    )
    def get(self, request, commune_slug: str, poll_id: int):
        return self.detail_output(poll_id)

    @extend_schema(
        tags=TAGS,
        operation_id="polls_manage_partial_update",
        summary="Change a poll (town-hall staff)",
        description=(
            "Only the fields sent change. Once someone answered, only `closes_at` may "
            "(400 on the other fields); a closed poll no longer changes (400)."
        ),
        parameters=[COMMUNE_SLUG, POLL_ID],
        request=PollUpdateSerializer,
        responses={200: StaffPollDetailSerializer, 403: ERRORS_403, 404: ERRORS_404},
    )
    def patch(self, request, commune_slug: str, poll_id: int):
        poll = self.poll(poll_id)
        serializer = PollUpdateSerializer(data=request.data, partial=True, commune=request.commune)
        serializer.is_valid(raise_exception=True)
        poll_update(poll=poll, by=request.user, **serializer.validated_data)
        return self.detail_output(poll_id)


class StaffPollCloseApi(StaffApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="polls_manage_close",
        summary="Close an open poll now (town-hall staff)",
        description=(
            "Nobody votes any more; the last ballots are counted within minutes, then the "
            "results are out. 400 when the poll is closed already or not open yet."
        ),
        parameters=[COMMUNE_SLUG, POLL_ID],
        request=None,
        responses={200: StaffPollDetailSerializer, 403: ERRORS_403, 404: ERRORS_404},
    )
    def post(self, request, commune_slug: str, poll_id: int):
        poll_close(poll=self.poll(poll_id), by=request.user)
        return self.detail_output(poll_id)


class StaffPollResultsCsvApi(StaffApiMixin, APIView):
    def perform_content_negotiation(self, request, force=False):
        # A client asking for text/csv gets the file, and errors in JSON, never a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        tags=TAGS,
        operation_id="polls_manage_results_csv",
        summary="The results of a poll as CSV (town-hall staff)",
        description=(
            "UTF-8 with a byte order mark, `;` between columns, decimal comma (a French "
            "spreadsheet opens it as is). Columns: question, answer, votes, percent, "
            "participation, counted ballots. 409 while the results are not visible (the "
            "same rule as residents': `detail` says why)."
        ),
        parameters=[COMMUNE_SLUG, POLL_ID],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            403: ERRORS_403,
            404: ERRORS_404,
            409: OpenApiResponse(DETAIL, description="The results are not visible yet."),
        },
    )
    def get(self, request, commune_slug: str, poll_id: int):
        poll = self.poll(poll_id)
        results = results_of(poll, request.user)
        if not results.visible:
            raise ResultsNotVisible(results.reason)
        return results_csv(poll, results)


urlpatterns = [
    path("manage/", StaffPollListApi.as_view(), name="manage"),
    path("manage/<int:poll_id>/", StaffPollDetailApi.as_view(), name="manage_detail"),
    path("manage/<int:poll_id>/close/", StaffPollCloseApi.as_view(), name="manage_close"),
    path(
        "manage/<int:poll_id>/results.csv",
        StaffPollResultsCsvApi.as_view(),
        name="manage_results_csv",
    ),
]
