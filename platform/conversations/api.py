"""REST API of comments on news (CNT-1), under
/api/v1/communes/{commune_slug}/news/{page_id}/comments/.

For the commune's validated residents and staff (``communes.permissions.ValidatedResident``:
403 with a message for the others, pending residents included). A missing news page,
another commune's, a draft and a comment that is not yours to edit answer 404 alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from communes.permissions import ValidatedResident
from conversations.models import BODY_MAX_LENGTH, Comment
from conversations.pagination import CommentCursorPagination
from conversations.selectors import (
    access_news,
    access_own_comment,
    comments_on,
    mark_new,
    previous_visit,
    top_comments,
    town_hall_name,
)
from conversations.services import comment_create, comment_edit, mark_seen
from conversations.threads import attach_replies, attach_thread
from core.api_fields import StrictBooleanField, StrictCharField
from core.openapi import COMMUNE_SLUG, path_id
from core.tenancy import bind_commune_from_path
from privacy.serializers import PersonSerializer

TAGS = ["comments"]
PAGE_ID = path_id("page_id", "Id of the news page.")
COMMENT_ID = path_id("comment_id", "Id of the comment.")


class CommentBaseSerializer(serializers.Serializer):
    """A comment's output, shared by every commented content (news, gazette, groups).

    Each app subclasses it under its own name, so the OpenAPI components stay distinct.
    ``context``: ``user_id`` (``is_mine``), and ``commune`` for the town hall's signature
    (else the comment's own commune).
    """

    id = serializers.IntegerField(read_only=True)
    parent = serializers.IntegerField(  # type: ignore[assignment]  # a field named parent shadows Field.parent in the DRF stubs
        source="parent_id", read_only=True, allow_null=True, help_text="The top comment answered."
    )
    body = serializers.CharField(read_only=True)
    author = PersonSerializer(
        source="author_card",
        read_only=True,
        help_text="The author through the privacy rules (a former member once the account closed).",
    )
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Set once the author changed the text."
    )
    is_mine = serializers.SerializerMethodField()
    is_new = serializers.SerializerMethodField(
        help_text="Written by someone else since your previous visit to this thread."
    )

    def get_is_mine(self, comment) -> bool:
        return comment.author_id is not None and comment.author_id == self.context["user_id"]

    def get_is_new(self, comment) -> bool:
        return bool(getattr(comment, "is_new", False))


class SignedCommentSerializer(CommentBaseSerializer):
    """Where the town hall may answer (news, groups): its signature."""

    as_town_hall = serializers.BooleanField(read_only=True)
    signature = serializers.SerializerMethodField(
        help_text="“Mairie de …” and the role of the staff member, for an answer of the town hall."
    )

    def get_signature(self, comment) -> str | None:
        if not comment.as_town_hall:
            return None
        commune = self.context.get("commune") or comment.commune
        return f"{town_hall_name(commune)} · {comment.signed_role}"


class CommentFieldsSerializer(SignedCommentSerializer):
    pass


class CommentOutputSerializer(CommentFieldsSerializer):
    replies = CommentFieldsSerializer(
        source="thread_replies", many=True, read_only=True, help_text="Oldest first."
    )


class CommentEditSerializer(serializers.Serializer):
    """Writing or changing a comment's text (every commented content)."""

    body = StrictCharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False)


class CommentReplySerializer(CommentEditSerializer):
    """Writing a comment or a reply where nobody signs as the town hall (the gazette)."""

    parent = serializers.IntegerField(  # type: ignore[assignment]  # a field named parent shadows Field.parent in the DRF stubs
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Answer this comment (a reply to a reply answers its top comment).",
    )


class CommentCreateSerializer(CommentReplySerializer):
    as_town_hall = StrictBooleanField(
        required=False, help_text="Staff who publish: sign “Mairie de …” with your role."
    )


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class CommentApiMixin(_ApiBase):
    permission_classes = [IsAuthenticated, ValidatedResident]

    def initial(self, request, *args, **kwargs):
        bind_commune_from_path(request, kwargs)  # 404 for an unknown commune
        super().initial(request, *args, **kwargs)

    def output(self, comment, *, status_code=status.HTTP_200_OK) -> Response:
        commune = self.request.commune  # type: ignore[attr-defined]  # bound by core.tenancy
        comment.commune = commune
        attach_thread(self.request.user, comment)
        serializer = CommentOutputSerializer(
            comment, context={"user_id": self.request.user.pk, "commune": commune}
        )
        return Response(serializer.data, status=status_code)


class CommentListCreateApi(CommentApiMixin, generics.ListAPIView):
    """The comments of a news page (GET, newest top comments first, each with its replies);
    write one or answer one (POST)."""

    serializer_class = CommentOutputSerializer
    pagination_class = CommentCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        self.news = access_news(
            self.request.user, self.kwargs["page_id"], commune=self.request.commune
        )
        return top_comments(self.news)

    def get_serializer_context(self):
        return {"user_id": self.request.user.pk}

    def paginate_queryset(self, queryset):
        comments = super().paginate_queryset(queryset)
        replies = attach_replies(self.request.user, comments)
        since = previous_visit(self.request.user, self.news)
        if self.request.query_params.get(self.paginator.cursor_query_param) is None:
            mark_seen(user=self.request.user, target=self.news)
        mark_new([*comments, *replies], viewer=self.request.user, since=since)
        for comment in [*comments, *replies]:
            comment.commune = self.request.commune
        return comments

    @extend_schema(
        tags=TAGS,
        operation_id="comments_list",
        summary="List the comments of a news page",
        description=(
            "Top comments newest first, cursor-paginated, each with its replies oldest first. "
            "Reading the first page records your visit: `is_new` marks what others wrote "
            "since the previous one."
        ),
        parameters=[COMMUNE_SLUG, PAGE_ID],
        responses={200: CommentOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="comments_create",
        summary="Comment on a news page, or answer a comment",
        description=(
            "403 when the town hall closed the page to comments or for `as_town_hall` without "
            "the right; 400 with the field's messages for bad input."
        ),
        parameters=[COMMUNE_SLUG, PAGE_ID],
        request=CommentCreateSerializer,
        responses={201: CommentOutputSerializer},
    )
    def post(self, request, commune_slug: str, page_id: int):
        page = access_news(request.user, page_id, commune=request.commune)
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data.get("parent"):
            parent = comments_on(page).filter(pk=data["parent"]).first()
            if parent is None:
                raise serializers.ValidationError(
                    {"parent": [_("This comment cannot be answered here.")]}
                )
        comment = comment_create(
            target=page,
            commune=request.commune,
            author=request.user,
            body=data["body"],
            parent=parent,
            as_town_hall=data.get("as_town_hall", False),
        )
        return self.output(comment, status_code=status.HTTP_201_CREATED)


class CommentDetailApi(CommentApiMixin, APIView):
    """Your own comment: change its text (PATCH) while comments are open; 404 for anyone
    else's. There is no DELETE: nobody removes a comment (moderation hides it)."""

    @extend_schema(
        tags=TAGS,
        operation_id="comments_partial_update",
        summary="Change your comment",
        description="The previous text is kept for moderation; the comment shows `edited_at`.",
        parameters=[COMMUNE_SLUG, PAGE_ID, COMMENT_ID],
        request=CommentEditSerializer,
        responses={200: CommentOutputSerializer},
    )
    def patch(self, request, commune_slug: str, page_id: int, comment_id: int):
        comment, page = access_own_comment(request.user, comment_id, commune=request.commune)
        if page.pk != page_id:
            raise Http404
        serializer = CommentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_edit(
            comment=comment,
            target=page,
            commune=request.commune,
            by=request.user,
            body=serializer.validated_data["body"],
        )
        return self.output(comment)
