"""REST API of the gazette (CNT-2), under /api/v1/communities/{community_id}/gazette/.

For the community's members only: anyone else (pending member, twinned or other
community, town hall, platform staff) gets the same 404 as for a missing community or
post; anonymous requests a 401. Posts are written multipart (photos, files); their
author edits them (PATCH, history kept); nobody deletes them. Photos and files are
downloaded through permission-checked routes, never from MEDIA_URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api import (
    CommentBaseSerializer,
    CommentEditSerializer,
    CommentReplySerializer,
)
from conversations.models import Comment
from conversations.pagination import CommentCursorPagination
from conversations.selectors import mark_new, previous_visit
from conversations.threads import attach_replies, attach_thread
from core.api_fields import StrictCharField
from core.api_parsers import JSONParser
from core.files import DOCUMENT_CONTENT_TYPES
from core.openapi import path_id
from gazette import selectors, services
from gazette.models import (
    BODY_MAX_LENGTH,
    MAX_FILES,
    MAX_PHOTOS,
    TITLE_MAX_LENGTH,
    Category,
    Post,
)
from gazette.pagination import PostCursorPagination
from gazette.views import _private_file
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

TAGS = ["gazette"]
COMMUNITY_ID = path_id("community_id", "Id of your community.")
POST_ID = path_id("post_id", "Id of the post.")
COMMENT_ID = path_id("comment_id", "Id of the comment.")
PHOTO_ID = path_id("photo_id", "Id of the photo.")
FILE_ID = path_id("file_id", "Id of the file.")


# --- serializers ----------------------------------------------------------------------


class GazettePhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField(help_text="Download (members only, JPEG).")

    def get_url(self, photo) -> str:
        post = photo.post_id
        community = self.context["community_id"]
        return reverse(
            "api:v1:gazette:photo",
            kwargs={"community_id": community, "post_id": post, "photo_id": photo.pk},
        )


class GazetteFileSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True, help_text="Read from the content.")
    size = serializers.IntegerField(read_only=True, help_text="In bytes.")
    url = serializers.SerializerMethodField(help_text="Download (members only).")

    def get_url(self, document) -> str:
        community = self.context["community_id"]
        return reverse(
            "api:v1:gazette:file",
            kwargs={
                "community_id": community,
                "post_id": document.post_id,
                "file_id": document.pk,
            },
        )


class GazettePostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    author = PersonSerializer(
        source="author_card",
        read_only=True,
        help_text="The author through the privacy rules (a former member once the account closed).",
    )
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Set once the author changed the post."
    )
    comment_count = serializers.IntegerField(read_only=True)
    photos = GazettePhotoSerializer(many=True, read_only=True, source="photos.all")
    files = GazetteFileSerializer(many=True, read_only=True, source="files.all")
    is_mine = serializers.SerializerMethodField()
    is_new = serializers.SerializerMethodField(
        help_text="Written by someone else and never opened by you."
    )
    has_news = serializers.SerializerMethodField(
        help_text="Edited or commented since your previous visit to it."
    )

    def get_is_mine(self, post) -> bool:
        return post.author_id is not None and post.author_id == self.context["user_id"]

    def get_is_new(self, post) -> bool:
        return bool(getattr(post, "is_new", False))

    def get_has_news(self, post) -> bool:
        return bool(getattr(post, "has_news", False))


class GazettePostCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    title = StrictCharField(max_length=TITLE_MAX_LENGTH)
    body = StrictCharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False)
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=MAX_PHOTOS,
        help_text=f"Up to {MAX_PHOTOS} photos (JPEG, PNG, WebP), re-encoded without metadata.",
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=MAX_FILES,
        help_text=(
            f"Up to {MAX_FILES} files: PDF, image or office document (the type is read from "
            "the content)."
        ),
    )


class GazettePostEditSerializer(GazettePostCreateSerializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    title = StrictCharField(max_length=TITLE_MAX_LENGTH, required=False)
    body = StrictCharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False, required=False)


class GazetteCommentFieldsSerializer(CommentBaseSerializer):
    pass


class GazetteCommentSerializer(GazetteCommentFieldsSerializer):
    replies = GazetteCommentFieldsSerializer(
        source="thread_replies", many=True, read_only=True, help_text="Oldest first."
    )


class GazetteCommentCreateSerializer(CommentReplySerializer):
    pass


class GazetteCommentEditSerializer(CommentEditSerializer):
    pass


# --- views ----------------------------------------------------------------------------

if TYPE_CHECKING:
    from accounts.models import User

    _ApiBase = APIView
else:
    _ApiBase = object


class GazetteApiMixin(_ApiBase):
    permission_classes = [IsAuthenticated]

    def community(self):
        if not hasattr(self, "_community"):
            self._community = selectors.access_gazette(
                self.request.user, self.kwargs["community_id"]
            )
        return self._community

    def viewer(self) -> User:
        return cast("User", self.request.user)  # IsAuthenticated ran first

    def post_or_404(self) -> Post:
        return selectors.access_post(
            self.viewer(), self.kwargs["post_id"], community=self.community()
        )

    def context(self) -> dict:
        return {"user_id": self.request.user.pk, "community_id": self.community().pk}

    def post_output(self, post: Post, *, status_code=status.HTTP_200_OK) -> Response:
        post = selectors.posts_of(self.community()).get(pk=post.pk)
        attach_cards(self.request.user, [post], "author")
        selectors.mark_new_posts(self.viewer(), [post])
        return Response(
            GazettePostSerializer(post, context=self.context()).data, status=status_code
        )

    def comment_output(self, comment: Comment, *, status_code=status.HTTP_200_OK) -> Response:
        attach_thread(self.request.user, comment)
        serializer = GazetteCommentSerializer(comment, context={"user_id": self.request.user.pk})
        return Response(serializer.data, status=status_code)


def _files(request, name: str) -> list:
    return list(request.FILES.getlist(name)) if hasattr(request, "FILES") else []


class PostListCreateApi(GazetteApiMixin, generics.ListAPIView):
    """The gazette of your community (GET, newest first; ``?category=``); post (POST)."""

    serializer_class = GazettePostSerializer
    pagination_class = PostCursorPagination
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Post.objects.none()
        category = self.request.query_params.get("category") or None
        if category is not None and category not in Category.values:
            raise serializers.ValidationError({"category": [_("Choose a category.")]})
        return selectors.posts_of(self.community(), category=category)

    def get_serializer_context(self):
        return self.context()

    def paginate_queryset(self, queryset):
        posts = super().paginate_queryset(queryset)
        attach_cards(self.request.user, posts, "author")
        selectors.mark_new_posts(self.request.user, posts)
        return posts

    @extend_schema(
        tags=TAGS,
        operation_id="gazette_list",
        summary="List the posts of your community's gazette",
        description=(
            "Members only (404 for anyone else). Newest first, cursor-paginated, with photos, "
            "files and the number of comments; `is_new`/`has_news` mark what is new since "
            "your last visit."
        ),
        parameters=[
            COMMUNITY_ID,
            OpenApiParameter(
                "category",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="Only this category: one of " + ", ".join(Category.values) + ".",
            ),
        ],
        responses={200: GazettePostSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="gazette_create",
        summary="Post in your community's gazette",
        description=(
            "Multipart: `photos` and `files` may be repeated. 400 with the field's messages "
            "for bad input (a file whose content is not an accepted type, too many photos…)."
        ),
        parameters=[COMMUNITY_ID],
        request={"multipart/form-data": GazettePostCreateSerializer},
        responses={201: GazettePostSerializer},
    )
    def post(self, request, community_id: int):
        community = self.community()
        data = {
            key: request.data.get(key)
            for key in ("category", "title", "body")
            if key in request.data
        }
        serializer = GazettePostCreateSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data
        post = services.post_create(
            community=community,
            author=request.user,
            category=validated["category"],
            title=validated["title"],
            body=validated["body"],
            photos=_files(request, "photos"),
            files=_files(request, "files"),
        )
        return self.post_output(post, status_code=status.HTTP_201_CREATED)


class PostDetailApi(GazetteApiMixin, APIView):
    """One post (GET records your visit); its author changes it (PATCH). No DELETE."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="gazette_retrieve",
        summary="Read a post",
        parameters=[COMMUNITY_ID, POST_ID],
        responses={200: GazettePostSerializer},
    )
    def get(self, request, community_id: int, post_id: int):
        post = self.post_or_404()
        response = self.post_output(post)
        services.mark_seen(user=request.user, post=post)
        return response

    @extend_schema(
        tags=TAGS,
        operation_id="gazette_partial_update",
        summary="Change your post",
        description=(
            "The author only (404 for anyone else). The previous version is kept; photos and "
            "files may be added up to the limits, never removed."
        ),
        parameters=[COMMUNITY_ID, POST_ID],
        request={
            "multipart/form-data": GazettePostEditSerializer,
            "application/json": GazettePostEditSerializer,
        },
        responses={200: GazettePostSerializer},
    )
    def patch(self, request, community_id: int, post_id: int):
        post = selectors.access_own_post(request.user, post_id, community=self.community())
        data = {
            key: request.data.get(key)
            for key in ("category", "title", "body")
            if key in request.data
        }
        serializer = GazettePostEditSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data
        post = services.post_edit(
            post=post,
            by=request.user,
            category=validated.get("category", post.category),
            title=validated.get("title", post.title),
            body=validated.get("body", post.body),
            photos=_files(request, "photos"),
            files=_files(request, "files"),
        )
        return self.post_output(post)


class CommentListCreateApi(GazetteApiMixin, generics.ListAPIView):
    """The comments of a post (GET, newest top comments first with their replies); write
    one or answer one (POST)."""

    serializer_class = GazetteCommentSerializer
    pagination_class = CommentCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        self.post_obj = self.post_or_404()
        return (
            selectors.post_comments(self.post_obj)
            .filter(parent__isnull=True)
            .order_by("-created_at", "-id")
        )

    def get_serializer_context(self):
        return {"user_id": self.request.user.pk}

    def paginate_queryset(self, queryset):
        comments = super().paginate_queryset(queryset)
        replies = attach_replies(self.request.user, comments)
        since = previous_visit(self.request.user, self.post_obj)
        if self.request.query_params.get(self.paginator.cursor_query_param) is None:
            services.mark_seen(user=self.request.user, post=self.post_obj)
        mark_new([*comments, *replies], viewer=self.request.user, since=since)
        return comments

    @extend_schema(
        tags=TAGS,
        operation_id="gazette_comments_list",
        summary="List the comments of a post",
        description="Reading the first page records your visit (`is_new`).",
        parameters=[COMMUNITY_ID, POST_ID],
        responses={200: GazetteCommentSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="gazette_comments_create",
        summary="Comment a post, or answer a comment",
        parameters=[COMMUNITY_ID, POST_ID],
        request=GazetteCommentCreateSerializer,
        responses={201: GazetteCommentSerializer},
    )
    def post(self, request, community_id: int, post_id: int):
        post = self.post_or_404()
        serializer = GazetteCommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data.get("parent"):
            parent = selectors.post_comments(post).filter(pk=data["parent"]).first()
            if parent is None:
                raise serializers.ValidationError(
                    {"parent": [_("This comment cannot be answered here.")]}
                )
        comment = services.comment_create(
            post=post, author=request.user, body=data["body"], parent=parent
        )
        return self.comment_output(comment, status_code=status.HTTP_201_CREATED)


class CommentDetailApi(GazetteApiMixin, APIView):
    """Your own comment: change its text (PATCH); 404 for anyone else's. No DELETE."""

    @extend_schema(
        tags=TAGS,
        operation_id="gazette_comments_partial_update",
        summary="Change your comment",
        parameters=[COMMUNITY_ID, POST_ID, COMMENT_ID],
        request=GazetteCommentEditSerializer,
        responses={200: GazetteCommentSerializer},
    )
    def patch(self, request, community_id: int, post_id: int, comment_id: int):
        post = self.post_or_404()
        comment = selectors.access_post_comment(request.user, post, comment_id)
        serializer = GazetteCommentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_edit(
            comment=comment, post=post, by=request.user, body=serializer.validated_data["body"]
        )
        return self.comment_output(comment)


BINARY = OpenApiResponse(OpenApiTypes.BINARY, description="The file (members only).")


class PhotoApi(GazetteApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="gazette_photo",
        summary="Download a photo of a post",
        parameters=[COMMUNITY_ID, POST_ID, PHOTO_ID],
        responses={(200, "image/jpeg"): BINARY},
    )
    def get(self, request, community_id: int, post_id: int, photo_id: int):
        post = self.post_or_404()
        photo = selectors.access_photo(request.user, post, photo_id)
        return _private_file(
            photo.image, content_type="image/jpeg", filename=f"photo-{photo.pk}.jpg", inline=True
        )


class FileApi(GazetteApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="gazette_file",
        summary="Download a file of a post",
        parameters=[COMMUNITY_ID, POST_ID, FILE_ID],
        # Served with the type sniffed from its content when it was sent (core.files).
        responses={(200, content_type): BINARY for content_type in DOCUMENT_CONTENT_TYPES},
    )
    def get(self, request, community_id: int, post_id: int, file_id: int):
        post = self.post_or_404()
        document = selectors.access_file(request.user, post, file_id)
        return _private_file(
            document.file,
            content_type=document.content_type,
            filename=document.name,
            inline=False,
        )
