"""REST API of private messages (CNT-3, TWN-3), under /api/v1/messages/.

For signed-in people with an open account. A thread that is not yours answers 404,
exactly as one that does not exist; a town hall's thread out of a staff member's scope
too. Rate limits answer 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_fields import StrictCharField, StrictIntegerField
from core.ids import MAX_ID
from core.openapi import COMMUNE_SLUG, path_id
from core.tenancy import bind_commune_from_path
from messaging import selectors, services
from messaging.models import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, Message, Participant
from messaging.pagination import InboxCursorPagination, MessageCursorPagination
from messaging.threads import attach_authors, attach_participants
from privacy.matrix import people_cards
from privacy.serializers import PersonSerializer

TAGS = ["messages"]
STAFF_TAGS = ["messages (town hall)"]
THREAD_ID = path_id("thread_id", "Id of the conversation.")
USER_ID = path_id("user_id", "Id of the blocked person.")
LARGEST_ID = MAX_ID - 1


# --- serializers ---------------------------------------------------------------------


class ThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="thread_id", read_only=True)
    subject = serializers.CharField(source="thread.subject", read_only=True)
    town_hall = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="“Mairie de …” for a conversation with a town hall, else null.",
    )
    commune = serializers.SerializerMethodField(help_text="Slug of the town hall's commune.")
    people = PersonSerializer(
        many=True,
        read_only=True,
        help_text="The other people in the conversation, through the privacy rules.",
    )
    last_message_at = serializers.DateTimeField(read_only=True)
    last_read_at = serializers.DateTimeField(read_only=True, allow_null=True)
    unread = serializers.BooleanField(read_only=True)
    left = serializers.SerializerMethodField(help_text="You no longer receive this conversation.")
    staff_label = serializers.SerializerMethodField(
        help_text=(
            "For a conversation a partner town hall's staff member opened with a référent "
            "(COM-2): their role (“Police – Saint-Malo”), else null."
        )
    )

    def get_commune(self, row: Participant) -> str | None:
        commune = row.thread.commune
        return commune.slug if commune is not None else None

    def get_left(self, row: Participant) -> bool:
        return row.left_at is not None

    def get_staff_label(self, row: Participant) -> str | None:
        return row.thread.staff_label or None


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True)
    author = PersonSerializer(
        source="author_card",
        read_only=True,
        help_text="The author through the privacy rules (a former member once the account closed).",
    )
    as_town_hall = serializers.BooleanField(read_only=True)
    signature = serializers.CharField(
        read_only=True, allow_null=True, help_text="“Mairie de … · role” for the town hall."
    )
    created_at = serializers.DateTimeField(read_only=True)
    is_mine = serializers.SerializerMethodField()
    is_new = serializers.SerializerMethodField(
        help_text="Written by someone else since you last read."
    )
    from_blocked = serializers.SerializerMethodField(
        help_text="Written by someone you blocked (shown folded on the site)."
    )

    def get_is_mine(self, message: Message) -> bool:
        return message.author_id is not None and message.author_id == self.context.get("user_id")

    def get_is_new(self, message: Message) -> bool:
        return bool(getattr(message, "is_new", False))

    def get_from_blocked(self, message: Message) -> bool:
        return bool(getattr(message, "from_blocked", False))


class ThreadCreateSerializer(serializers.Serializer):
    recipients = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=LARGEST_ID),
        required=False,
        max_length=services.DEFAULT_MAX_RECIPIENTS,
        help_text="Ids of people you reach (see recipients/), at most 20. Or `commune`.",
    )
    commune = StrictCharField(
        required=False, max_length=100, help_text="Slug of a commune: write to its town hall."
    )
    subject = StrictCharField(
        required=False, allow_blank=True, max_length=SUBJECT_MAX_LENGTH, trim_whitespace=False
    )
    body = StrictCharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("recipients")) == bool(attrs.get("commune")):
            raise serializers.ValidationError(
                {"recipients": [services.choose_recipients_or_commune()]}
            )
        return attrs


class MessageCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False)


class StaffThreadCreateSerializer(serializers.Serializer):
    resident = StrictIntegerField(
        min_value=1, max_value=LARGEST_ID, help_text="A validated resident."
    )
    subject = StrictCharField(
        required=False, allow_blank=True, max_length=SUBJECT_MAX_LENGTH, trim_whitespace=False
    )
    body = StrictCharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False)


class ReferentThreadCreateSerializer(serializers.Serializer):
    commune = StrictCharField(
        max_length=100, help_text="Slug of the partner commune whose référent you write to."
    )
    referent = StrictIntegerField(
        min_value=1,
        max_value=LARGEST_ID,
        help_text="A référent of a community of the commune (see communes/{slug}/communities/).",
    )
    subject = StrictCharField(
        required=False, allow_blank=True, max_length=SUBJECT_MAX_LENGTH, trim_whitespace=False
    )
    body = StrictCharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False)


class BlockSerializer(serializers.Serializer):
    user = PersonSerializer(source="blocked_card", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class BlockCreateSerializer(serializers.Serializer):
    user = StrictIntegerField(min_value=1, max_value=LARGEST_ID)


UNREAD = inline_serializer(
    "MessagesUnread",
    {
        "threads": serializers.IntegerField(help_text="Your conversations with unread messages."),
        "town_halls": inline_serializer(
            "MessagesUnreadTownHall",
            {"commune": serializers.CharField(), "threads": serializers.IntegerField()},
            many=True,
        ),
    },
)


# --- views ---------------------------------------------------------------------------


if TYPE_CHECKING:
    _ApiBase = APIView
else:
    _ApiBase = object


class MessagingApiMixin(_ApiBase):
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        bind_commune_from_path(request, kwargs)
        super().initial(request, *args, **kwargs)

    def message_output(self, message: Message, code: int = status.HTTP_201_CREATED) -> Response:
        attach_authors(self.request.user, [message])
        data = MessageSerializer(message, context={"user_id": self.request.user.pk}).data
        return Response(data, status=code)

    def thread_output(self, row: Participant, code: int = status.HTTP_200_OK) -> Response:
        attach_participants(self.request.user, [row])
        return Response(ThreadSerializer(row).data, status=code)


def _open(user) -> None:
    if not selectors.is_open_account(user):
        raise Http404


class ThreadListCreateApi(MessagingApiMixin, generics.ListAPIView):
    serializer_class = ThreadSerializer
    pagination_class = InboxCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Participant.objects.none()
        return selectors.inbox(self.request.user)

    def paginate_queryset(self, queryset):
        rows = super().paginate_queryset(queryset)
        return attach_participants(self.request.user, rows)

    @extend_schema(
        tags=TAGS,
        operation_id="messages_threads_list",
        summary="Your conversations",
        description="Latest activity first, cursor-paginated; `unread` per conversation.",
        responses={200: ThreadSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="messages_threads_create",
        summary="Start a conversation",
        description=(
            "`recipients` (people you reach: your community and its twinned communities, "
            "at most 20) or `commune` (the town hall of a commune that validated you). "
            "400 with field messages; 429 with Retry-After over the hourly limits."
        ),
        request=ThreadCreateSerializer,
        responses={201: ThreadSerializer},
    )
    def post(self, request):
        serializer = ThreadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("commune"):
            commune = selectors.Commune.objects.filter(slug=data["commune"]).first()
            if commune is None:
                raise serializers.ValidationError({"commune": [services.unknown_commune()]})
            thread = services.town_hall_thread_start(
                author=request.user,
                commune=commune,
                body=data["body"],
                subject=data.get("subject", ""),
            )
        else:
            ids = list(dict.fromkeys(data["recipients"]))
            people = list(get_user_model().objects.filter(pk__in=ids))
            if len(people) != len(ids):
                people_ids = {p.pk for p in people}
                missing = [pk for pk in ids if pk not in people_ids]
                raise serializers.ValidationError(
                    {"recipients": [services.unreachable_ids(missing)]}
                )
            thread = services.thread_start(
                author=request.user,
                recipients=people,
                body=data["body"],
                subject=data.get("subject", ""),
            )
        row = selectors.access_thread(request.user, thread.pk)
        return self.thread_output(row, status.HTTP_201_CREATED)


class ThreadDetailApi(MessagingApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="messages_threads_retrieve",
        summary="One of your conversations",
        description="Its people through the privacy rules; 404 for a conversation not yours.",
        parameters=[THREAD_ID],
        responses={200: ThreadSerializer},
    )
    def get(self, request, thread_id: int):
        return self.thread_output(selectors.access_thread(request.user, thread_id))


class MessageListCreateApi(MessagingApiMixin, generics.ListAPIView):
    serializer_class = MessageSerializer
    pagination_class = MessageCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        self.row = selectors.access_thread(self.request.user, self.kwargs["thread_id"])
        return selectors.messages_of(self.row.thread).select_related("thread__commune")

    def get_serializer_context(self):
        return {"user_id": self.request.user.pk}

    def paginate_queryset(self, queryset):
        messages = super().paginate_queryset(queryset)
        attach_authors(self.request.user, messages)
        selectors.annotate_blocked(messages, self.request.user)
        selectors.mark_new(messages, viewer_id=self.request.user.pk, since=self.row.last_read_at)
        return messages

    @extend_schema(
        tags=TAGS,
        operation_id="messages_list",
        summary="The messages of a conversation",
        description="Newest first, cursor-paginated. Reading does not mark read: POST read/.",
        parameters=[THREAD_ID],
        responses={200: MessageSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="messages_create",
        summary="Answer in a conversation",
        description=(
            "403 with a message naming who can no longer be reached; 429 with Retry-After "
            "over the hourly limit."
        ),
        parameters=[THREAD_ID],
        request=MessageCreateSerializer,
        responses={201: MessageSerializer},
    )
    def post(self, request, thread_id: int):
        row = selectors.access_thread(request.user, thread_id)
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_send(
            thread=row.thread, author=request.user, body=serializer.validated_data["body"]
        )
        return self.message_output(message)


class ReadApi(MessagingApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="messages_threads_read",
        summary="Mark a conversation read",
        parameters=[THREAD_ID],
        request=None,
        responses={200: ThreadSerializer},
    )
    def post(self, request, thread_id: int):
        row = selectors.access_thread(request.user, thread_id)
        services.mark_read(participant=row)
        return self.thread_output(row)


class RecipientSearchApi(MessagingApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="messages_recipients",
        summary="Find people you may write to",
        description=(
            "Members of your community and of its twinned communities whose pseudonym (or "
            "name, without a pseudonym) contains `q`; at most 20, through the privacy rules."
        ),
        parameters=[OpenApiParameter("q", str, description="At least 2 characters.")],
        responses={200: PersonSerializer(many=True)},
    )
    def get(self, request):
        query = request.query_params.get("q", "")
        if not isinstance(query, str) or len(query.strip()) < 2 or len(query) > 100:
            return Response([])
        people = selectors.search_recipients(request.user, query)
        ids = list(people.values_list("pk", flat=True))
        cards = people_cards(
            request.user,
            get_user_model().objects.filter(pk__in=ids).order_by("last_name", "first_name", "pk"),
        )
        return Response(PersonSerializer(cards, many=True).data)


class BlockListCreateApi(MessagingApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="messages_blocks_list",
        summary="People you blocked",
        responses={200: BlockSerializer(many=True)},
    )
    def get(self, request):
        from privacy.matrix import attach_cards

        blocks = attach_cards(request.user, selectors.blocks_of(request.user), "blocked")
        return Response(BlockSerializer(blocks, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="messages_blocks_create",
        summary="Block someone",
        description=(
            "They can no longer start a conversation with you nor write to you alone; in a "
            "group conversation you are no longer notified of their messages."
        ),
        request=BlockCreateSerializer,
        responses={201: BlockSerializer},
    )
    def post(self, request):
        from privacy.matrix import attach_cards

        serializer = BlockCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = get_user_model().objects.filter(pk=serializer.validated_data["user"]).first()
        if person is None or not selectors.may_block(request.user, person):
            raise serializers.ValidationError({"user": [services.cannot_block()]})
        block = services.block(blocker=request.user, blocked=person)
        attach_cards(request.user, [block], "blocked")
        return Response(BlockSerializer(block).data, status=status.HTTP_201_CREATED)


class BlockDeleteApi(MessagingApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="messages_blocks_destroy",
        summary="Unblock someone",
        parameters=[USER_ID],
        request=None,
        responses={204: None},
    )
    def delete(self, request, user_id: int):
        if not services.unblock(blocker=request.user, blocked_id=user_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class UnreadApi(MessagingApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="messages_unread",
        summary="Unread counts",
        description="Your conversations with unread messages; for staff, each town hall's.",
        responses={200: UNREAD},
    )
    def get(self, request):
        return Response(
            {
                "threads": selectors.unread_count(request.user),
                "town_halls": [
                    {"commune": commune.slug, "threads": count}
                    for commune, count in selectors.unread_for_town_halls(request.user)
                ],
            }
        )


# --- a partner town hall's staff write to a référent (COM-2) --------------------------


class ReferentThreadCreateApi(MessagingApiMixin, APIView):
    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="messages_referent_thread_create",
        summary="Write to a référent of the commune's communities",
        description=(
            "For the police and the mayor of a partner commune (``contact_referents``), the "
            "hosting partner's staff and superusers: opens a conversation with a référent of "
            "one of its communities, in your name with your role (“Police – Saint-Malo”); "
            "it is yours (threads/), not the town hall's shared inbox, and the référent "
            "answers in it. 400 on `referent` when the person is not a référent there, on "
            "`commune` for an unknown commune; 403 when you may not write to its référents "
            "(or it is not a partner)."
        ),
        request=ReferentThreadCreateSerializer,
        responses={201: ThreadSerializer},
    )
    def post(self, request):
        serializer = ReferentThreadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        commune = selectors.Commune.objects.filter(slug=data["commune"]).first()
        if commune is None:
            raise serializers.ValidationError({"commune": [services.unknown_commune()]})
        referent = get_user_model().objects.filter(pk=data["referent"]).first()
        thread = services.referent_thread_open(
            by=request.user,
            commune=commune,
            referent=referent,
            body=data["body"],
            subject=data.get("subject", ""),
        )
        row = selectors.access_thread(request.user, thread.pk)
        return self.thread_output(row, status.HTTP_201_CREATED)


# --- the town hall's inbox -----------------------------------------------------------


class StaffMixin(MessagingApiMixin):
    def commune(self):
        commune = self.request.commune
        if not selectors.answers_for_town_hall(self.request.user, commune):
            raise Http404
        return commune


class TownHallThreadListCreateApi(StaffMixin, generics.ListAPIView):
    serializer_class = ThreadSerializer
    pagination_class = InboxCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Participant.objects.none()
        return selectors.town_hall_threads(user=self.request.user, commune=self.commune())

    def paginate_queryset(self, queryset):
        return attach_participants(self.request.user, super().paginate_queryset(queryset))

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="messages_town_hall_threads_list",
        summary="The town hall's inbox",
        description="For staff who publish for the commune; 404 for anyone else.",
        parameters=[COMMUNE_SLUG],
        responses={200: ThreadSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="messages_town_hall_threads_create",
        summary="Write to a resident as the town hall",
        parameters=[COMMUNE_SLUG],
        request=StaffThreadCreateSerializer,
        responses={201: ThreadSerializer},
    )
    def post(self, request, commune_slug: str):
        commune = self.commune()
        serializer = StaffThreadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        resident = get_user_model().objects.filter(pk=data["resident"]).first()
        thread = services.town_hall_thread_open(
            by=request.user,
            commune=commune,
            resident=resident,
            body=data["body"],
            subject=data.get("subject", ""),
        )
        side = selectors.access_town_hall_thread(request.user, thread.pk, commune=commune)
        return self.thread_output(side, status.HTTP_201_CREATED)


class TownHallThreadDetailApi(StaffMixin, APIView):
    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="messages_town_hall_threads_retrieve",
        summary="A conversation of the town hall",
        parameters=[COMMUNE_SLUG, THREAD_ID],
        responses={200: ThreadSerializer},
    )
    def get(self, request, commune_slug: str, thread_id: int):
        side = selectors.access_town_hall_thread(request.user, thread_id, commune=self.commune())
        return self.thread_output(side)


class TownHallMessageListCreateApi(StaffMixin, generics.ListAPIView):
    serializer_class = MessageSerializer
    pagination_class = MessageCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        self.side = selectors.access_town_hall_thread(
            self.request.user, self.kwargs["thread_id"], commune=self.commune()
        )
        return selectors.messages_of(self.side.thread).select_related("thread__commune")

    def get_serializer_context(self):
        return {"user_id": self.request.user.pk}

    def paginate_queryset(self, queryset):
        messages = super().paginate_queryset(queryset)
        attach_authors(self.request.user, messages)
        selectors.mark_new(messages, viewer_id=self.request.user.pk, since=self.side.last_read_at)
        if self.request.query_params.get("cursor") is None:
            services.mark_read(participant=self.side)
        return messages

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="messages_town_hall_messages_list",
        summary="The messages of a town hall's conversation",
        description="Newest first; reading the first page marks it read for the town hall.",
        parameters=[COMMUNE_SLUG, THREAD_ID],
        responses={200: MessageSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="messages_town_hall_messages_create",
        summary="Answer as the town hall",
        description="Signed “Mairie de …” and your role, never your e-mail address.",
        parameters=[COMMUNE_SLUG, THREAD_ID],
        request=MessageCreateSerializer,
        responses={201: MessageSerializer},
    )
    def post(self, request, commune_slug: str, thread_id: int):
        side = selectors.access_town_hall_thread(request.user, thread_id, commune=self.commune())
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.town_hall_reply(
            thread=side.thread, by=request.user, body=serializer.validated_data["body"]
        )
        return self.message_output(message)
