"""REST API of the town hall's polls, under /api/v1/communes/{commune_slug}/polls/ (POL-1, POL-2).

The core's guard has set ``request.commune`` (404 for an unknown commune or the module
switched off). For the commune's validated residents and staff (``ValidatedResident``:
403 with a message for anyone else). A poll of another commune, one not open yet (for
residents) and one moderation hid answer 404 alike.

Voting: ``POST {poll_id}/vote/`` with ``{"choice": <id>}``; **201** with the poll as the
person now sees it (``has_voted`` true, the results if they are shown); **409** when the
person already answered; **400** for a choice that is not the poll's (or a missing or
malformed one); **403** when the person may not vote (not a validated resident, the poll
not open yet or closed). The choice is read from the body only, never logged.

Staff routes (create, change, close, CSV) are ``modules.polls.api_staff``'s, under
``manage/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.permissions import ModuleEnabled
from communes.permissions import ValidatedResident
from core.api_fields import StrictIntegerField
from core.openapi import COMMUNE_SLUG, path_id
from modules.polls import ballots
from modules.polls.models import Poll
from modules.polls.selectors import (
    access_poll,
    choices_of,
    may_vote_now,
    polls_for,
    results_of,
    status_of,
    voted_flag,
    votes_here,
)

MODULE_LABEL = "polls"
TAGS = ["polls"]
POLL_ID = path_id("poll_id", "Id of the poll.")


# --- serializers ---------------------------------------------------------------------


class PollChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="Send it to vote.")
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # shadows Field.label in the DRF stubs


class PollResultRowSerializer(serializers.Serializer):
    choice = serializers.IntegerField(source="choice.pk", read_only=True)
    label = serializers.CharField(source="choice.label", read_only=True)  # type: ignore[assignment]
    votes = serializers.IntegerField(source="count", read_only=True)
    percent = serializers.IntegerField(
        read_only=True,
        help_text="Whole percentage of the counted votes (largest remainder: they add up "
        "to 100 when anything is counted).",
    )


class PollResultsSerializer(serializers.Serializer):
    """The counts, when they are shown to the person."""

    total_counted = serializers.IntegerField(
        read_only=True, help_text="Votes counted so far (ballots are counted in batches)."
    )
    participants = serializers.IntegerField(read_only=True, help_text="Residents who answered.")
    pending = serializers.BooleanField(
        read_only=True, help_text="Some answers are not counted yet."
    )
    rows = PollResultRowSerializer(many=True, read_only=True, help_text="In the poll's order.")


class PollResultsOutputSerializer(PollResultsSerializer):
    """``GET {poll_id}/results/``: the counts when shown, else why not."""

    visible = serializers.BooleanField(read_only=True, help_text="`rows` holds the counts.")
    code = serializers.CharField(
        read_only=True,
        help_text="Why the counts are not shown (empty when they are): `after_vote` (shown "
        "once you answered), `at_closing`, `first_tally` (before the first batch is "
        "counted), `counting` (closed, last ballots being counted), `not_open`.",
    )
    note = serializers.CharField(
        source="reason", read_only=True, help_text="The same, as a sentence to show."
    )


class PollOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    question = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.CharField(
        source="api_status",
        read_only=True,
        help_text="`open`, `upcoming` (staff only see those) or `closed`.",
    )
    opens_at = serializers.DateTimeField(read_only=True)
    closes_at = serializers.DateTimeField(read_only=True)
    closed_early = serializers.SerializerMethodField(
        help_text="The town hall closed it before the planned time (`closes_at` is then "
        "when it did)."
    )
    results_shown = serializers.CharField(
        source="results",
        read_only=True,
        help_text="`live`: to a person once they answered, to everyone at closing; "
        "`closing`: at closing only.",
    )
    participants = serializers.IntegerField(read_only=True, help_text="Residents who answered.")
    has_voted = serializers.BooleanField(read_only=True, help_text="You answered this poll.")
    may_vote = serializers.BooleanField(
        read_only=True, help_text="You may answer now (open, validated resident, not answered)."
    )

    @extend_schema_field(serializers.BooleanField())
    def get_closed_early(self, poll) -> bool:
        return poll.closed_early_at is not None


class PollDetailSerializer(PollOutputSerializer):
    choices = PollChoiceSerializer(source="choice_list", many=True, read_only=True)
    results = PollResultsSerializer(
        source="shown_results",
        read_only=True,
        allow_null=True,
        help_text="The counts when they are shown to you, else null (see `results_note`).",
    )
    results_note = serializers.CharField(
        source="results_reason",
        read_only=True,
        help_text="Why `results` is null, as a sentence to show (empty when it is not).",
    )


class VoteInputSerializer(serializers.Serializer):
    choice = StrictIntegerField(min_value=1, help_text="The id of one of the poll's choices.")


class AlreadyVoted(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "already_voted"


# --- views ---------------------------------------------------------------------------

if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class PollApiMixin(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated, ValidatedResident]

    def poll(self, poll_id):
        return access_poll(self.request.user, poll_id, commune=self.request.commune)

    def detail_output(self, poll, *, status_code=status.HTTP_200_OK):
        user = self.request.user
        voted = voted_flag(poll, user)
        poll.has_voted = voted
        poll.api_status = status_of(poll)
        poll.may_vote = not voted and ballots.may_vote(user, poll)
        poll.choice_list = choices_of(poll)
        results = results_of(poll, user, voted=voted)
        poll.participants = results.participants
        poll.shown_results = results if results.visible else None
        poll.results_reason = results.reason
        return Response(PollDetailSerializer(poll).data, status=status_code)


class PollListApi(PollApiMixin, generics.ListAPIView):
    """The polls of the commune: open first, then (staff) not open yet, then closed."""

    serializer_class = PollOutputSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Poll.objects.none()
        return polls_for(self.request.user, self.request.commune)

    def paginate_queryset(self, queryset):
        polls = super().paginate_queryset(queryset) or []
        resident = votes_here(self.request.user, self.request.commune)
        for poll in polls:
            poll.api_status = status_of(poll)
            poll.may_vote = may_vote_now(poll, resident=resident, voted=poll.has_voted)
        return polls

    @extend_schema(
        tags=TAGS,
        operation_id="polls_list",
        summary="List the polls of the commune",
        description=(
            "Open polls first (closing soonest first), then closed ones (latest first); the "
            "town hall's staff who publish also get those not open yet and those moderation "
            "hid. Paginated (`page`, `page_size`). 403 for anyone but the commune's "
            "validated residents and staff."
        ),
        parameters=[COMMUNE_SLUG],
        responses={
            200: PollOutputSerializer(many=True),
            403: OpenApiResponse(description="Not a validated resident of the commune."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PollDetailApi(PollApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="polls_retrieve",
        summary="A poll, its choices and its results when shown to you",
        description=(
            "`results` is null until they are shown to you (`results_note` says why: once "
            "you answered, at closing, after the first batch of 10 votes is counted, "
            "counting in progress). 404 for a poll of another commune, not open yet or "
            "hidden by moderation."
        ),
        parameters=[COMMUNE_SLUG, POLL_ID],
        responses={
            200: PollDetailSerializer,
            403: OpenApiResponse(description="Not a validated resident of the commune."),
            404: OpenApiResponse(description="No such poll here."),
        },
    )
    def get(self, request, commune_slug: str, poll_id: int):
        return self.detail_output(self.poll(poll_id))


# Error reports must not pair a person with a choice (the JSON body is never in them; a
# form-encoded body's "choice" is masked).
@method_decorator(sensitive_post_parameters("choice"), name="dispatch")
class PollVoteApi(PollApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="polls_vote",
        summary="Answer a poll (once, anonymously)",
        description=(
            "201 with the poll as you now see it. 409 when you already answered; 400 for a "
            "choice that is not the poll's; 403 when you may not answer (the poll is closed "
            "or not open yet, or you are not a validated resident); 404 for a poll of "
            "another commune or hidden by moderation. The ballot names no voter and is "
            "counted in a batch of at least 10 (or at closing)."
        ),
        parameters=[COMMUNE_SLUG, POLL_ID],
        request=VoteInputSerializer,
        responses={
            201: PollDetailSerializer,
            400: OpenApiResponse(description="`choice` missing or not one of the poll's."),
            403: OpenApiResponse(description="You may not answer this poll (now)."),
            404: OpenApiResponse(description="No such poll here."),
            409: OpenApiResponse(description="You already answered this poll."),
        },
    )
    def post(self, request, commune_slug: str, poll_id: int):
        poll = self.poll(poll_id)
        serializer = VoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            ballots.vote(
                poll=poll, user=request.user, choice_id=serializer.validated_data["choice"]
            )
        except ballots.VoteRefused as refusal:
            if refusal.code == "already_voted":
                raise AlreadyVoted(refusal.message) from None
            if refusal.code == "unknown_choice":
                raise serializers.ValidationError({"choice": [refusal.message]}) from None
            raise DrfPermissionDenied(refusal.message) from None
        poll.has_voted = True
        poll.participants = None
        return self.detail_output(poll, status_code=status.HTTP_201_CREATED)


class PollResultsApi(PollApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="polls_results",
        summary="The results of a poll, or why they are not shown yet",
        description=(
            "Always 200 for a poll you see: `visible` false with `code` and `note` until "
            "the counts are shown to you (the same rule as the site's)."
        ),
        parameters=[COMMUNE_SLUG, POLL_ID],
        responses={
            200: PollResultsOutputSerializer,
            403: OpenApiResponse(description="Not a validated resident of the commune."),
            404: OpenApiResponse(description="No such poll here."),
        },
    )
    def get(self, request, commune_slug: str, poll_id: int):
        poll = self.poll(poll_id)
        results = results_of(poll, request.user, voted=voted_flag(poll, request.user))
        return Response(PollResultsOutputSerializer(results).data)
