"""REST API of suggestions, under /api/v1/communes/{commune_slug}/suggestions/ (SUG-1, SUG-2).

The core's guard has set ``request.commune`` (404 for an unknown commune or the module
switched off). For the commune's validated residents and staff (``ValidatedResident``:
403 with a message for anyone else). Another commune's suggestion, someone else's
waiting or refused proposal and a suggestion hidden by moderation answer 404 alike.
Proposing and voting are for validated residents (403 with a French message otherwise);
a vote on a closed suggestion is refused with 403. The town hall's actions are under
``manage/`` (``modules.suggestions.api_staff``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.permissions import ModuleEnabled
from communes.permissions import ValidatedResident
from conversations.api import CommentCreateSerializer, SignedCommentSerializer
from conversations.models import BODY_MAX_LENGTH, Comment
from conversations.pagination import CommentCursorPagination
from conversations.selectors import mark_new, previous_visit
from conversations.services import mark_seen
from conversations.threads import attach_replies, attach_thread
from core.api_fields import StrictBooleanField, StrictCharField
from core.api_parsers import JSONParser
from core.openapi import COMMUNE_SLUG, path_id
from modules.suggestions.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Suggestion
from modules.suggestions.selectors import (
    access_comment,
    access_suggestion,
    attach_vote_sides,
    can_vote,
    comments_of,
    history_of,
    is_following,
    suggestions_for_list,
    suggestions_of_author,
    vote_of,
)
from modules.suggestions.services import comment_write, follow_set, suggestion_propose, vote_cast
from modules.suggestions.views import private_photo
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

MODULE_LABEL = "suggestions"
TAGS = ["suggestions"]
SUGGESTION_ID = path_id("suggestion_id", "Id of the suggestion.")
STATUS_HELP = (
    "`proposed` (waiting for the town hall), `refused`, `published`, `under_study`, "
    "`retained`, `done` or `not_retained`."
)
PUBLIC_STATUS_VALUES = [str(value) for value in Suggestion.PUBLIC_STATUSES]
LIST_FILTERS = [
    COMMUNE_SLUG,
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        enum=PUBLIC_STATUS_VALUES,
        description="Only the suggestions of this status.",
    ),
    OpenApiParameter(
        "category",
        {"type": "integer", "minimum": 1},
        OpenApiParameter.QUERY,
        description="Only the suggestions of this category (id).",
    ),
]
BINARY = OpenApiResponse(OpenApiTypes.BINARY, description="The photo (JPEG).")


# --- serializers ---------------------------------------------------------------------


class StatusField(serializers.CharField):
    """A suggestion's status (read only), a plain string in the schema (an enum named
    ``status`` would collide with the other apps')."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", STATUS_HELP)
        super().__init__(read_only=True, **kwargs)


class SuggestionCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class SuggestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    category = SuggestionCategorySerializer(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = StatusField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    author = PersonSerializer(
        source="author_card",
        read_only=True,
        help_text="The author through the privacy rules (a former member once the account closed).",
    )
    photo_url = serializers.SerializerMethodField(help_text="Null without a photo.")
    votes_for = serializers.IntegerField(read_only=True)
    votes_against = serializers.IntegerField(read_only=True)
    voting_open = serializers.BooleanField(read_only=True)
    my_vote = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="true: for; false: against; null: no vote."
    )
    following = serializers.BooleanField(
        source="my_follow", read_only=True, help_text="You are told of its follow-up."
    )
    refusal_reason = serializers.CharField(
        read_only=True, help_text="The town hall's reason, for a refused proposal (may be empty)."
    )
    created_at = serializers.DateTimeField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    voting_closed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_photo_url(self, suggestion) -> str | None:
        if not suggestion.photo:
            return None
        return reverse(
            "api:v1:suggestions-api:photo",
            kwargs={
                "commune_slug": self.context["commune"].slug,
                "suggestion_id": suggestion.pk,
            },
        )


class SuggestionStepSerializer(serializers.Serializer):
    status = StatusField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    note = serializers.CharField(read_only=True, help_text="The town hall's public note.")
    created_at = serializers.DateTimeField(read_only=True)


class SuggestionDetailSerializer(SuggestionOutputSerializer):
    history = SuggestionStepSerializer(
        source="steps",
        many=True,
        read_only=True,
        help_text="The town hall's follow-up, oldest first.",
    )
    can_vote = serializers.BooleanField(
        read_only=True, help_text="You may vote (or change it) now."
    )
    my_comment = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Id of the comment given with your vote."
    )


class SuggestionInputSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="Id of an active category of the commune."
    )
    title = StrictCharField(max_length=TITLE_MAX_LENGTH)
    description = StrictCharField(max_length=DESCRIPTION_MAX_LENGTH)
    photo = serializers.FileField(
        required=False, help_text="JPEG, PNG or WebP; re-encoded without its metadata."
    )


class SuggestionVoteInputSerializer(serializers.Serializer):
    in_favour = StrictBooleanField(help_text="true: for; false: against.")
    comment = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=BODY_MAX_LENGTH,
        help_text=(
            "Optional; a comment of the thread attached to your vote. Voting again on the "
            "same side with a comment edits it; on the other side a new one is written."
        ),
    )


class SuggestionVoteOutputSerializer(serializers.Serializer):
    in_favour = serializers.BooleanField(read_only=True)
    comment = serializers.IntegerField(
        source="comment_id", read_only=True, allow_null=True, help_text="Id of its comment."
    )
    votes_for = serializers.IntegerField(source="suggestion.votes_for", read_only=True)
    votes_against = serializers.IntegerField(source="suggestion.votes_against", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class SuggestionFollowSerializer(serializers.Serializer):
    following = serializers.BooleanField(read_only=True)


class SuggestionCommentFieldsSerializer(SignedCommentSerializer):
    vote = serializers.SerializerMethodField(
        help_text="`for` or `against` when the comment comes with its author's vote, else null."
    )

    def get_vote(self, comment) -> str | None:
        return getattr(comment, "vote_side", "") or None


class SuggestionCommentOutputSerializer(SuggestionCommentFieldsSerializer):
    replies = SuggestionCommentFieldsSerializer(
        source="thread_replies", many=True, read_only=True, help_text="Oldest first."
    )


class SuggestionCommentCreateSerializer(CommentCreateSerializer):
    pass


# --- views ---------------------------------------------------------------------------


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class SuggestionApiMixin(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated, ValidatedResident]

    def suggestion(self):
        return access_suggestion(
            self.request.user, self.kwargs["suggestion_id"], commune=self.request.commune
        )

    def context(self):
        return {"commune": self.request.commune, "user_id": self.request.user.pk}

    def detail_output(self, suggestion, *, status_code=status.HTTP_200_OK):
        user = self.request.user
        vote = vote_of(user, suggestion)
        suggestion.my_vote = vote.in_favour if vote else None
        suggestion.my_comment = vote.comment_id if vote else None
        suggestion.my_follow = is_following(user, suggestion)
        suggestion.can_vote = can_vote(user, suggestion)
        suggestion.steps = list(history_of(suggestion)) if suggestion.is_public else []
        attach_cards(user, [suggestion], "author", public_author=True)
        return Response(
            SuggestionDetailSerializer(suggestion, context=self.context()).data,
            status=status_code,
        )


def _list_filters(request) -> tuple[str, int | None]:
    raw_status = request.query_params.get("status", "")
    if raw_status and raw_status not in PUBLIC_STATUS_VALUES:
        raise serializers.ValidationError({"status": [_("Choose one of the public statuses.")]})
    raw_category = request.query_params.get("category", "")
    category = None
    if raw_category:
        if not raw_category.isdigit() or not 0 < int(raw_category) < 2**63:
            raise serializers.ValidationError({"category": [_("Give a category id.")]})
        category = int(raw_category)
    return raw_status, category


class _SuggestionListApi(SuggestionApiMixin, generics.ListAPIView):
    """A page of suggestions, each with its author's card (the privacy matrix)."""

    serializer_class = SuggestionOutputSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_serializer_context(self):
        return self.context()

    def paginate_queryset(self, queryset):
        suggestions = super().paginate_queryset(queryset) or []
        return attach_cards(self.request.user, suggestions, "author", public_author=True)


class SuggestionListCreateApi(_SuggestionListApi):
    """The public suggestions (GET, newest published first); propose one (POST)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Suggestion.objects.none()
        status_, category = _list_filters(self.request)
        return suggestions_for_list(
            self.request.user, self.request.commune, status=status_, category=category
        )

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_list",
        summary="List the public suggestions of the commune",
        description=(
            "Published suggestions and their follow-up, newest published first, paginated "
            "(`page`, `page_size`), with totals and your vote. 400 for an unknown `status` "
            "or a `category` that is not an id."
        ),
        parameters=LIST_FILTERS,
        responses={200: SuggestionOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_create",
        summary="Propose a suggestion to the town hall",
        description=(
            "Multipart (with an optional `photo`) or JSON. It waits for the town hall, "
            "seen by you and its staff only. 403 for who is not a validated resident; 400 "
            "with the field's messages (an unknown or retired category, an unreadable photo); "
            "429 beyond the hourly limit."
        ),
        parameters=[COMMUNE_SLUG],
        request={
            "multipart/form-data": SuggestionInputSerializer,
            "application/json": SuggestionInputSerializer,
        },
        responses={201: SuggestionDetailSerializer},
    )
    def post(self, request, commune_slug: str):
        data = {
            key: request.data.get(key)
            for key in ("category", "title", "description", "photo")
            if key in request.data
        }
        serializer = SuggestionInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data
        suggestion = suggestion_propose(
            commune=request.commune,
            author=request.user,
            category_id=validated["category"],
            title=validated["title"],
            description=validated["description"],
            photo=validated.get("photo"),
        )
        return self.detail_output(suggestion, status_code=status.HTTP_201_CREATED)


class MySuggestionsApi(_SuggestionListApi):
    """Your own suggestions, every status, newest first."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Suggestion.objects.none()
        return suggestions_of_author(self.request.user, self.request.commune)

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_mine",
        summary="Your suggestions (waiting, refused with the reason, published)",
        parameters=[COMMUNE_SLUG],
        responses={200: SuggestionOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SuggestionDetailApi(SuggestionApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_retrieve",
        summary="A suggestion, its totals, your vote and the town hall's follow-up",
        description=(
            "404 for another commune's, someone else's waiting or refused proposal, or one "
            "hidden by moderation."
        ),
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        responses={200: SuggestionDetailSerializer},
    )
    def get(self, request, commune_slug: str, suggestion_id: int):
        return self.detail_output(self.suggestion())


class SuggestionPhotoApi(SuggestionApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_photo",
        summary="The photo of a suggestion",
        description="404 when it has none or you do not see the suggestion.",
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        responses={(200, "image/jpeg"): BINARY},
    )
    def get(self, request, commune_slug: str, suggestion_id: int):
        return private_photo(self.suggestion())


class SuggestionVoteApi(SuggestionApiMixin, APIView):
    def _vote(self, request):
        suggestion = self.suggestion()
        serializer = SuggestionVoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        vote = vote_cast(
            suggestion=suggestion,
            user=request.user,
            in_favour=data["in_favour"],
            comment=data.get("comment", ""),
        )
        vote.suggestion = suggestion
        return Response(SuggestionVoteOutputSerializer(vote).data)

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_vote",
        summary="Vote for or against a suggestion, or change your vote",
        description=(
            "Once per person; voting again changes the vote while voting is open, and the "
            "totals stay exact. 403 for who is not a validated resident, or when voting is "
            "closed (a waiting proposal is not open to votes); 400 for bad input."
        ),
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=SuggestionVoteInputSerializer,
        responses={200: SuggestionVoteOutputSerializer},
    )
    def post(self, request, commune_slug: str, suggestion_id: int):
        return self._vote(request)

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_vote_update",
        summary="Change your vote (same as POST)",
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=SuggestionVoteInputSerializer,
        responses={200: SuggestionVoteOutputSerializer},
    )
    def put(self, request, commune_slug: str, suggestion_id: int):
        return self._vote(request)


class SuggestionFollowApi(SuggestionApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_follow",
        summary="Follow a suggestion: be told of the town hall's follow-up",
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=None,
        responses={200: SuggestionFollowSerializer},
    )
    def post(self, request, commune_slug: str, suggestion_id: int):
        follow_set(suggestion=self.suggestion(), user=request.user, on=True)
        return Response({"following": True})

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_unfollow",
        summary="Stop following a suggestion",
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=None,
        responses={200: SuggestionFollowSerializer},
    )
    def delete(self, request, commune_slug: str, suggestion_id: int):
        follow_set(suggestion=self.suggestion(), user=request.user, on=False)
        return Response({"following": False})


class SuggestionCommentsApi(SuggestionApiMixin, generics.ListAPIView):
    """The comments of a public suggestion (GET, newest first, each with its replies);
    write one or answer one (POST)."""

    serializer_class = SuggestionCommentOutputSerializer
    pagination_class = CommentCursorPagination
    filter_backends: list = []

    def public_suggestion(self) -> Suggestion:
        suggestion = self.suggestion()
        if not suggestion.is_public:
            raise Http404
        return suggestion

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        self.target = self.public_suggestion()
        return comments_of(self.target)

    def get_serializer_context(self):
        return self.context()

    def paginate_queryset(self, queryset):
        comments = super().paginate_queryset(queryset) or []
        replies = attach_replies(self.request.user, comments)
        if self.request.query_params.get(self.paginator.cursor_query_param) is None:
            since = mark_seen(user=self.request.user, target=self.target)
        else:
            since = previous_visit(self.request.user, self.target)
        mark_new([*comments, *replies], viewer=self.request.user, since=since)
        return attach_vote_sides(self.target, comments)

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_comments_list",
        summary="List the comments of a suggestion",
        description=(
            "Top comments newest first, cursor-paginated, each with its replies oldest "
            "first; `vote` marks a comment given with its author's vote. 404 for a "
            "suggestion that is not public."
        ),
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        responses={200: SuggestionCommentOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_comments_create",
        summary="Comment on a suggestion, or answer a comment",
        description=(
            "Validated residents while voting is open; the town hall's staff may sign "
            "(`as_town_hall`). 403 otherwise; 400 with the field's messages."
        ),
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=SuggestionCommentCreateSerializer,
        responses={201: SuggestionCommentOutputSerializer},
    )
    def post(self, request, commune_slug: str, suggestion_id: int):
        suggestion = self.public_suggestion()
        serializer = SuggestionCommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data.get("parent"):
            try:
                parent = access_comment(suggestion, data["parent"])
            except Http404:
                raise serializers.ValidationError(
                    {"parent": [_("This comment cannot be answered here.")]}
                ) from None
        comment = comment_write(
            suggestion=suggestion,
            author=request.user,
            body=data["body"],
            parent=parent,
            as_town_hall=data.get("as_town_hall", False),
        )
        attach_thread(request.user, comment)
        attach_vote_sides(suggestion, [comment])
        return Response(
            SuggestionCommentOutputSerializer(comment, context=self.context()).data,
            status=status.HTTP_201_CREATED,
        )
