"""REST API of the support desk (CNT-7), under /api/v1/support/.

* ``requests/``: ``POST`` a request (signed in, or anonymous with ``name`` and ``email``;
  429 with ``Retry-After`` over the hourly limits), ``GET`` your own requests;
* ``requests/{id}/``: one of your requests with its messages (404 for anyone else's);
* ``requests/{id}/messages/``: ``POST`` a reply (the request goes back to the team);
* ``desk/``, ``desk/{id}/`` (``GET``, ``PATCH`` the status), ``desk/{id}/answer/``: the
  platform's staff only – 404 for anyone else, town-hall staff included;
* ``desk/{id}/overturn/``: the staff overturn the refusal an appeal contests (CTY-4);
  the person who sent the request gets 403 (it is theirs, the action is not), anyone
  else 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from axes.helpers import get_client_ip_address
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import is_open_account
from core.api_fields import StrictCharField
from core.openapi import path_id
from moderation.models import SupportRequest
from moderation.support import selectors, services

TAGS = ["support"]
STAFF_TAGS = ["support (platform staff)"]
REQUEST_ID = path_id("request_id", "Id of the support request.")


# --- serializers ---------------------------------------------------------------------


class StatusField(serializers.ChoiceField):
    """A request's status (named SupportStatusEnum in the schema: settings)."""

    def __init__(self, **kwargs):
        super().__init__(choices=SupportRequest.Status.choices, **kwargs)


class ContextRowSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    value = serializers.CharField(read_only=True)


class SupportMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True)
    from_staff = serializers.BooleanField(
        read_only=True, help_text="Written by the platform's team."
    )
    created_at = serializers.DateTimeField(read_only=True)


class SupportRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    topic = serializers.ChoiceField(choices=SupportRequest.Topic.choices, read_only=True)
    topic_label = serializers.CharField(source="get_topic_display", read_only=True)
    subject = serializers.CharField(read_only=True)
    status = StatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    commune = serializers.SerializerMethodField(help_text="Slug of the commune, if any.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_commune(self, request: SupportRequest) -> str | None:
        return request.commune.slug if request.commune is not None else None


class SupportRequestDetailSerializer(SupportRequestSerializer):
    messages = SupportMessageSerializer(many=True, read_only=True, source="thread")


class SupportRequestCreateSerializer(serializers.Serializer):
    topic = serializers.ChoiceField(choices=SupportRequest.Topic.choices)
    subject = StrictCharField(max_length=services.SUBJECT_MAX_LENGTH, trim_whitespace=False)
    body = StrictCharField(max_length=services.BODY_MAX_LENGTH, trim_whitespace=False)
    name = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=services.NAME_MAX_LENGTH,
        help_text="Your name: required without an account, ignored with one.",
    )
    email = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="The address we answer at: required without an account, ignored with one.",
    )


class SupportReplySerializer(serializers.Serializer):
    body = StrictCharField(max_length=services.BODY_MAX_LENGTH, trim_whitespace=False)


class DeskRequestSerializer(SupportRequestSerializer):
    requester = serializers.IntegerField(
        source="requester_id", read_only=True, allow_null=True, help_text="Account id, if any."
    )
    name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", read_only=True, allow_null=True)


class DeskRequestDetailSerializer(DeskRequestSerializer):
    context = ContextRowSerializer(  # type: ignore[assignment]
        many=True, read_only=True, help_text="What the platform knew when it was sent."
    )
    messages = SupportMessageSerializer(many=True, read_only=True, source="thread")


class DeskStatusSerializer(serializers.Serializer):
    status = StatusField()


# --- views ---------------------------------------------------------------------------

if TYPE_CHECKING:
    _ApiBase = APIView
else:
    _ApiBase = object


class SupportApiMixin(_ApiBase):
    # A service's ValidationError and RateLimited become 400 and 429 in
    # api.exceptions, as everywhere in the API.
    permission_classes = [IsAuthenticated]


class DeskMixin(SupportApiMixin):
    """The platform's staff only: 404 for anyone else."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.is_desk_staff(request.user):
            raise Http404


def _with_thread(support_request: SupportRequest) -> SupportRequest:
    support_request.thread = selectors.thread_of(support_request)  # type: ignore[attr-defined]
    return support_request


def _client_address(request) -> str | None:
    try:
        return get_client_ip_address(request) or None
    except Exception:  # an unreadable address only loses the per-address limit
        return None


class SupportRequestListCreateApi(SupportApiMixin, generics.ListAPIView):
    serializer_class = SupportRequestSerializer
    filter_backends: list = []

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupportRequest.objects.none()
        return selectors.requests_of(self.request.user).select_related("commune")

    @extend_schema(
        tags=TAGS,
        operation_id="support_requests_list",
        summary="Your requests to the team",
        description="Latest activity first. Signed-in people only.",
        responses={200: SupportRequestSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="support_requests_create",
        summary="Write to the team",
        description=(
            "Open to everyone. With an account, the request carries your situation "
            "(communes, community, request to join…) for the team; without one, `name` and "
            "`email` are required and the answer leaves by e-mail. 400 with field messages; "
            "429 with Retry-After over the hourly limits."
        ),
        request=SupportRequestCreateSerializer,
        responses={201: SupportRequestDetailSerializer},
    )
    def post(self, request):
        serializer = SupportRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        signed_in = is_open_account(request.user)
        created = services.request_create(
            user=request.user if signed_in else None,
            topic=data["topic"],
            subject=data["subject"],
            body=data["body"],
            name=data.get("name", ""),
            email=data.get("email", ""),
            client_address=_client_address(request),
        )
        if not signed_in:
            # A visitor cannot read it back: the answer leaves by e-mail.
            created.thread = []
            return Response(
                SupportRequestDetailSerializer(created).data, status=status.HTTP_201_CREATED
            )
        return Response(
            SupportRequestDetailSerializer(_with_thread(created)).data,
            status=status.HTTP_201_CREATED,
        )


class SupportRequestDetailApi(SupportApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="support_requests_retrieve",
        summary="One of your requests, with its messages",
        description="404 for a request that is not yours, as for one that does not exist.",
        parameters=[REQUEST_ID],
        responses={200: SupportRequestDetailSerializer},
    )
    def get(self, request, request_id: int):
        found = selectors.access_own(request.user, request_id)
        return Response(SupportRequestDetailSerializer(_with_thread(found)).data)


class SupportReplyApi(SupportApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="support_requests_reply",
        summary="Write again on your request",
        description="The request goes back to the team as new. 404 for another's request.",
        parameters=[REQUEST_ID],
        request=SupportReplySerializer,
        responses={201: SupportMessageSerializer},
    )
    def post(self, request, request_id: int):
        found = selectors.access_own(request.user, request_id)
        serializer = SupportReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.reply(
            by=request.user, request=found, body=serializer.validated_data["body"]
        )
        return Response(SupportMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class DeskListApi(DeskMixin, generics.ListAPIView):
    serializer_class = DeskRequestSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupportRequest.objects.none()
        params = self.request.query_params
        return selectors.desk_requests(
            self.request.user,
            status=params.get("status", ""),
            topic=params.get("topic", ""),
            query=params.get("q", ""),
        )

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="support_desk_list",
        summary="The support desk's requests",
        description="The platform's staff only (404 for anyone else); latest activity first.",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=["open", "all", *SupportRequest.Status.values],
                description="`open`: every status but closed. Default: all.",
            ),
            OpenApiParameter("topic", str, enum=SupportRequest.Topic.values),
            OpenApiParameter("q", str, description="Subject, name, e-mail or number."),
        ],
        responses={200: DeskRequestSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DeskDetailApi(DeskMixin, APIView):
    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="support_desk_retrieve",
        summary="A request with its context and messages",
        parameters=[REQUEST_ID],
        responses={200: DeskRequestDetailSerializer},
    )
    def get(self, request, request_id: int):
        found = selectors.access_for_desk(request.user, request_id)
        return Response(DeskRequestDetailSerializer(_with_thread(found)).data)

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="support_desk_status",
        summary="Change a request's status",
        description="new, in_progress, answered or closed. 400 with field messages.",
        parameters=[REQUEST_ID],
        request=DeskStatusSerializer,
        responses={200: DeskRequestDetailSerializer},
    )
    def patch(self, request, request_id: int):
        found = selectors.access_for_desk(request.user, request_id)
        serializer = DeskStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_status(
            by=request.user, request=found, status=serializer.validated_data["status"]
        )
        return Response(DeskRequestDetailSerializer(_with_thread(found)).data)


class DeskAnswerApi(DeskMixin, APIView):
    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="support_desk_answer",
        summary="Answer a request",
        description=(
            "The request becomes answered; the person is told in the notification centre "
            "and by e-mail (a visitor without an account by e-mail)."
        ),
        parameters=[REQUEST_ID],
        request=SupportReplySerializer,
        responses={201: SupportMessageSerializer},
    )
    def post(self, request, request_id: int):
        found = selectors.access_for_desk(request.user, request_id)
        serializer = SupportReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.answer(
            by=request.user, request=found, body=serializer.validated_data["body"]
        )
        return Response(SupportMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class OverturnCommunitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class DeskOverturnResultSerializer(serializers.Serializer):
    community = OverturnCommunitySerializer(read_only=True, help_text="Where they now belong.")
    request = DeskRequestDetailSerializer(read_only=True, help_text="The request, answered.")


class DeskOverturnApi(SupportApiMixin, APIView):
    """CTY-4: the desk overturns the refusal an appeal contests."""

    @extend_schema(
        tags=STAFF_TAGS,
        operation_id="support_desk_overturn",
        summary="Overturn the refusal an appeal contests",
        description=(
            "On a request of topic `appeal_refusal` from a person whose last request to "
            "join was refused and who has no community now: the person becomes a member of "
            "that community (their home must still be inside), is welcomed, the "
            "community's référents are told, and the request gets the team's answer "
            "(status `answered`). The platform's staff only: 403 for the person who sent "
            "the request, 404 for anyone else (as for a missing request). 400 with "
            "`topic` for another topic, `non_field_errors` when the person already "
            "belongs to (or asked to join) a community, named, when their last request "
            "was not refused or their home is no longer inside."
        ),
        parameters=[REQUEST_ID],
        request=None,
        responses={200: DeskOverturnResultSerializer},
    )
    def post(self, request, request_id: int):
        if not selectors.is_desk_staff(request.user):
            selectors.access_own(request.user, request_id)  # 404 unless it is theirs
            raise PermissionDenied(_("Only the platform's team can overturn a refusal."))
        found = selectors.access_for_desk(request.user, request_id)
        membership = services.overturn(by=request.user, request=found)
        found.refresh_from_db()
        return Response(
            DeskOverturnResultSerializer(
                {"community": membership.community, "request": _with_thread(found)}
            ).data
        )
