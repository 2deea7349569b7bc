"""REST API of discussion groups, under /api/v1/communes/{commune_slug}/groups/ (CNT-4).

The core's guard has set ``request.commune`` (404 for an unknown commune or the module
switched off). For the commune's validated residents and staff (``ValidatedResident``:
403 with a message for anyone else). A group of another commune, an archived group the
person does not read, the posts of an on-request group they are not in, and a post that
is not theirs to edit answer 404 alike. Staff who publish create and change groups and
decide the requests to join.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ModuleEnabled
from communes.permissions import ValidatedResident
from conversations.api import (
    CommentCreateSerializer,
    CommentEditSerializer,
    SignedCommentSerializer,
)
from conversations.models import Comment
from conversations.pagination import CommentCursorPagination
from conversations.selectors import mark_new, previous_visit
from conversations.threads import attach_replies, attach_thread
from core.api_fields import StrictBooleanField, StrictCharField
from core.openapi import COMMUNE_SLUG, path_id
from modules.groups.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Group, GroupMember
from modules.groups.pagination import GroupCursorPagination, RequestCursorPagination
from modules.groups.selectors import (
    access_group,
    access_own_post,
    access_post,
    access_readable_group,
    access_request,
    can_manage_groups,
    can_post,
    can_read,
    groups_for_list,
    membership_of,
    posts_of,
    readable_unread,
    requests_of,
)
from modules.groups.services import (
    group_create,
    group_join,
    group_seen,
    group_update,
    membership_decide,
    post_create,
    post_edit,
    subscription_set,
)
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

MODULE_LABEL = "groups"
TAGS = ["groups"]
GROUP_ID = path_id("group_id", "Id of the group.")
POST_ID = path_id("post_id", "Id of the post or reply.")
REQUEST_ID = path_id("request_id", "Id of the request to join.")


# --- serializers ---------------------------------------------------------------------


class MemberStatusField(serializers.CharField):
    """A membership's status (read only). A plain string in the schema: an enum named
    ``status`` would collide with the other apps' (drf-spectacular names enums by field;
    the integrator may add ``ENUM_NAME_OVERRIDES`` for ``GroupMember.Status``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "`pending`, `accepted` or `refused`.")
        super().__init__(read_only=True, **kwargs)


class GroupMembershipSerializer(serializers.Serializer):
    status = MemberStatusField()
    subscribed = serializers.BooleanField(read_only=True)


class GroupOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    access = serializers.ChoiceField(choices=Group.Access.choices, read_only=True)
    pinned = serializers.BooleanField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    archived_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_post_at = serializers.DateTimeField(read_only=True, allow_null=True)
    membership = serializers.SerializerMethodField(
        help_text="Your membership (null when you never joined nor asked)."
    )
    can_read = serializers.BooleanField(
        source="readable", read_only=True, help_text="You read the posts of this group."
    )
    can_post = serializers.BooleanField(
        source="writable", read_only=True, help_text="You may post and reply now."
    )
    unread = serializers.IntegerField(
        read_only=True, help_text="Posts and replies others wrote since your previous visit."
    )

    @extend_schema_field(GroupMembershipSerializer(allow_null=True))
    def get_membership(self, group) -> dict | None:
        status_ = getattr(group, "my_status", None)
        if status_ is None:
            return None
        return {"status": status_, "subscribed": bool(getattr(group, "my_subscribed", False))}


class GroupInputSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH)
    description = StrictCharField(max_length=DESCRIPTION_MAX_LENGTH)
    access = serializers.ChoiceField(choices=Group.Access.choices, required=False)
    pinned = StrictBooleanField(required=False)


class GroupUpdateSerializer(GroupInputSerializer):
    """PATCH: only the fields sent change."""

    closed = StrictBooleanField(required=False, help_text="Read-only: no new post nor reply.")
    archived = StrictBooleanField(
        required=False, help_text="Out of the list; its members still read it."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class GroupSubscriptionSerializer(serializers.Serializer):
    subscribed = StrictBooleanField(help_text="Be told of new posts (joins an open group).")


class GroupPostFieldsSerializer(SignedCommentSerializer):
    pass


class GroupPostOutputSerializer(GroupPostFieldsSerializer):
    replies = GroupPostFieldsSerializer(
        source="thread_replies", many=True, read_only=True, help_text="Oldest first."
    )


class GroupPostCreateSerializer(CommentCreateSerializer):
    pass


class GroupPostEditSerializer(CommentEditSerializer):
    pass


class GroupRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    person = PersonSerializer(source="user_card", read_only=True)
    status = MemberStatusField()
    created_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class GroupDecisionSerializer(serializers.Serializer):
    accept = StrictBooleanField(help_text="true: the person joins; false: refused.")


# --- views ---------------------------------------------------------------------------


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class GroupApiMixin(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated, ValidatedResident]

    def group_output(self, group, *, status_code=status.HTTP_200_OK):
        user = self.request.user
        commune = self.request.commune
        member = membership_of(user, group)
        manager = can_manage_groups(user, commune)
        group.my_status = member.status if member else None
        group.my_subscribed = member.subscribed if member else False
        group.readable = can_read(user, group, member=member, manager=manager)
        group.writable = can_post(user, group, member=member, manager=manager)
        group.unread = 0  # counted in the list only
        return Response(GroupOutputSerializer(group).data, status=status_code)

    def require_manager(self):
        if not can_manage_groups(self.request.user, self.request.commune):
            raise DrfPermissionDenied(_("Only the town hall's staff manage the discussion groups."))

    def post_context(self):
        return {"user_id": self.request.user.pk, "commune": self.request.commune}

    def post_output(self, post, *, status_code=status.HTTP_200_OK):
        attach_thread(self.request.user, post)
        return Response(
            GroupPostOutputSerializer(post, context=self.post_context()).data, status=status_code
        )


class GroupListCreateApi(GroupApiMixin, generics.ListAPIView):
    """The listed groups of the commune (GET), pinned first; staff create one (POST)."""

    serializer_class = GroupOutputSerializer
    pagination_class = GroupCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Group.objects.none()
        return groups_for_list(self.request.user, self.request.commune)

    def paginate_queryset(self, queryset):
        groups = super().paginate_queryset(queryset) or []
        manager = can_manage_groups(self.request.user, self.request.commune)
        readable_unread(self.request.user, groups, manager=manager)
        for group in groups:
            group.writable = group.readable and not (group.closed_at or group.archived_at)
        return groups

    @extend_schema(
        tags=TAGS,
        operation_id="groups_list",
        summary="List the discussion groups of the commune",
        description=(
            "Pinned groups first, then the newest; archived groups are left out. On-request "
            "groups are listed with their description so people can ask to join; `unread` "
            "counts what others wrote since your previous visit (0 where you do not read)."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: GroupOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="groups_create",
        summary="Open a discussion group (town-hall staff)",
        description="403 without the right to publish for the town hall; 400 for bad input.",
        parameters=[COMMUNE_SLUG],
        request=GroupInputSerializer,
        responses={201: GroupOutputSerializer},
    )
    def post(self, request, commune_slug: str):
        self.require_manager()
        serializer = GroupInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        group = group_create(
            commune=request.commune,
            by=request.user,
            title=data["title"],
            description=data["description"],
            access=data.get("access", Group.Access.OPEN),
            pinned=data.get("pinned", False),
        )
        return self.group_output(group, status_code=status.HTTP_201_CREATED)


class GroupDetailApi(GroupApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="groups_retrieve",
        summary="A discussion group",
        description=(
            "Its title, description and your membership; an on-request group you are not "
            "in is shown (so you may ask to join) but `can_read` is false."
        ),
        parameters=[COMMUNE_SLUG, GROUP_ID],
        responses={200: GroupOutputSerializer},
    )
    def get(self, request, commune_slug: str, group_id: int):
        return self.group_output(access_group(request.user, group_id, commune=request.commune))

    @extend_schema(
        tags=TAGS,
        operation_id="groups_partial_update",
        summary="Change a group: pin, close, archive (town-hall staff)",
        parameters=[COMMUNE_SLUG, GROUP_ID],
        request=GroupUpdateSerializer,
        responses={200: GroupOutputSerializer},
    )
    def patch(self, request, commune_slug: str, group_id: int):
        group = access_group(request.user, group_id, commune=request.commune)
        self.require_manager()
        serializer = GroupUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = group_update(group=group, by=request.user, **serializer.validated_data)
        return self.group_output(group)


class GroupJoinApi(GroupApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="groups_join",
        summary="Join an open group, or ask to join an on-request group",
        description=(
            "An open group: `accepted` at once, subscribed. An on-request group: `pending` "
            "until the town hall decides. Asking again after a refusal is allowed."
        ),
        parameters=[COMMUNE_SLUG, GROUP_ID],
        request=None,
        responses={200: GroupMembershipSerializer},
    )
    def post(self, request, commune_slug: str, group_id: int):
        group = access_group(request.user, group_id, commune=request.commune)
        member = group_join(group=group, user=request.user)
        return Response(GroupMembershipSerializer(member).data)


class GroupSubscriptionApi(GroupApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="groups_subscription_update",
        summary="Be told of new posts in a group, or not",
        parameters=[COMMUNE_SLUG, GROUP_ID],
        request=GroupSubscriptionSerializer,
        responses={200: GroupMembershipSerializer},
    )
    def put(self, request, commune_slug: str, group_id: int):
        group = access_readable_group(request.user, group_id, commune=request.commune)
        serializer = GroupSubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = subscription_set(
            group=group, user=request.user, subscribed=serializer.validated_data["subscribed"]
        )
        return Response(GroupMembershipSerializer(member).data)


class PostListCreateApi(GroupApiMixin, generics.ListAPIView):
    """The posts of a group (GET, newest first, each with its replies); write one (POST)."""

    serializer_class = GroupPostOutputSerializer
    pagination_class = CommentCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        self.group = access_readable_group(
            self.request.user, self.kwargs["group_id"], commune=self.request.commune
        )
        return posts_of(self.group)

    def get_serializer_context(self):
        return self.post_context()

    def paginate_queryset(self, queryset):
        posts = super().paginate_queryset(queryset) or []
        replies = attach_replies(self.request.user, posts)
        if self.request.query_params.get(self.paginator.cursor_query_param) is None:
            since = group_seen(user=self.request.user, group=self.group)
        else:
            since = previous_visit(self.request.user, self.group)
        mark_new([*posts, *replies], viewer=self.request.user, since=since)
        return posts

    @extend_schema(
        tags=TAGS,
        operation_id="groups_posts_list",
        summary="List the posts of a group",
        description=(
            "Top posts newest first, cursor-paginated, each with its replies oldest first. "
            "Reading the first page records your visit: `is_new` marks what others wrote "
            "since the previous one. 404 for an on-request group you are not a member of."
        ),
        parameters=[COMMUNE_SLUG, GROUP_ID],
        responses={200: GroupPostOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="groups_posts_create",
        summary="Post in a group, or answer a post",
        description=(
            "403 when the group is closed or archived, or for `as_town_hall` without the "
            "right; 400 with the field's messages for bad input."
        ),
        parameters=[COMMUNE_SLUG, GROUP_ID],
        request=GroupPostCreateSerializer,
        responses={201: GroupPostOutputSerializer},
    )
    def post(self, request, commune_slug: str, group_id: int):
        group = access_readable_group(request.user, group_id, commune=request.commune)
        serializer = GroupPostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data.get("parent"):
            try:
                parent = access_post(group, data["parent"])
            except Http404:
                raise serializers.ValidationError(
                    {"parent": [_("This message cannot be answered here.")]}
                ) from None
        post = post_create(
            group=group,
            author=request.user,
            body=data["body"],
            parent=parent,
            as_town_hall=data.get("as_town_hall", False),
        )
        return self.post_output(post, status_code=status.HTTP_201_CREATED)


class PostDetailApi(GroupApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="groups_posts_partial_update",
        summary="Change your post",
        description="The previous text is kept for moderation; the post shows `edited_at`.",
        parameters=[COMMUNE_SLUG, GROUP_ID, POST_ID],
        request=GroupPostEditSerializer,
        responses={200: GroupPostOutputSerializer},
    )
    def patch(self, request, commune_slug: str, group_id: int, post_id: int):
        group = access_readable_group(request.user, group_id, commune=request.commune)
        post = access_own_post(request.user, group, post_id)
        serializer = GroupPostEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = post_edit(
            post=post, group=group, by=request.user, body=serializer.validated_data["body"]
        )
        return self.post_output(post)


class RequestListApi(GroupApiMixin, generics.ListAPIView):
    """The requests to join a group waiting for a decision (town-hall staff)."""

    serializer_class = GroupRequestOutputSerializer
    pagination_class = RequestCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GroupMember.objects.none()
        group = access_group(
            self.request.user, self.kwargs["group_id"], commune=self.request.commune
        )
        self.require_manager()
        return requests_of(group)

    def paginate_queryset(self, queryset):
        members = super().paginate_queryset(queryset) or []
        return attach_cards(self.request.user, members, "user")

    @extend_schema(
        tags=TAGS,
        operation_id="groups_requests_list",
        summary="Requests to join a group, oldest first (town-hall staff)",
        parameters=[COMMUNE_SLUG, GROUP_ID],
        responses={200: GroupRequestOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RequestDecideApi(GroupApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="groups_requests_decide",
        summary="Accept or refuse a request to join (town-hall staff)",
        description="The person is told. 400 when the request was already decided.",
        parameters=[COMMUNE_SLUG, GROUP_ID, REQUEST_ID],
        request=GroupDecisionSerializer,
        responses={200: GroupRequestOutputSerializer},
    )
    def post(self, request, commune_slug: str, group_id: int, request_id: int):
        group = access_group(request.user, group_id, commune=request.commune)
        self.require_manager()
        member = access_request(request.user, group, request_id)
        serializer = GroupDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = membership_decide(
            member=member, by=request.user, accept=serializer.validated_data["accept"]
        )
        attach_cards(request.user, [member], "user")
        return Response(GroupRequestOutputSerializer(member).data)
