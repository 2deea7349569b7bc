"""The notification centre (NOT-1), preferences (NOT-2) and push devices (NOT-4).

* ``/api/v1/me/notifications/``: my notifications, newest first, cursor-paginated
  (stable while new ones arrive); ``unread-count/``; ``{event_id}/read/``; ``read-all/``.
* ``/api/v1/me/notification-preferences/``: every rubric with my choice or its defaults;
  ``{rubric}/`` (PUT) changes one. Alerts are locked: a change is a 400.
* ``/api/v1/me/devices/``: the device registry of the apps (FCM tokens, Android and
  iOS) and of browsers (Web Push subscriptions); POST registers or refreshes one,
  DELETE ``{id}/`` removes it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import sms_consent_set
from communes.services import commune_url
from core.api_pagination import CursorPagination
from notifications import selectors, services
from notifications.kinds import RUBRICS, Frequency, kinds
from notifications.models import Notification, PushDevice

TAGS = ["notifications"]


class NotificationCursor(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-event_id"


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="event_id", help_text=_("Id of the event."))
    kind = serializers.CharField(source="event.kind")
    rubric = serializers.SerializerMethodField()
    title = serializers.CharField(source="event.title")
    body = serializers.CharField(source="event.body")
    url = serializers.SerializerMethodField(help_text=_("The content on the commune's site."))
    commune = serializers.SerializerMethodField(help_text=_("Slug of the commune, if any."))
    created_at = serializers.DateTimeField(source="event.created_at")
    read_at = serializers.DateTimeField(allow_null=True)

    def get_rubric(self, row) -> str:
        try:
            return kinds.get(row.event.kind).rubric
        except LookupError:
            return ""

    def get_url(self, row) -> str | None:
        if not row.event.url:
            return None
        if row.event.commune is None:
            return row.event.url
        return commune_url(row.event.commune, row.event.url)

    def get_commune(self, row) -> str | None:
        return row.event.commune.slug if row.event.commune else None


@extend_schema(tags=TAGS)
class NotificationList(generics.ListAPIView):
    """My notifications, newest first (kinds of modules switched off are hidden)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = NotificationCursor

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        return selectors.centre(self.request.user)


class UnreadCount(serializers.Serializer):
    unread = serializers.IntegerField()


@extend_schema(tags=TAGS, responses=UnreadCount)
class NotificationUnreadCount(APIView):
    """How many of my notifications are unread (the badge of the apps)."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"unread": selectors.unread_count(request.user)})


EVENT_ID = OpenApiParameter(
    "event_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description=_("Id.")
)


@extend_schema(
    tags=TAGS,
    request=None,
    parameters=[EVENT_ID],
    responses={204: OpenApiResponse(description=_("Read.")), 404: OpenApiResponse()},
)
class NotificationRead(APIView):
    """Mark one of my notifications read (reading counts for the SMS of alerts)."""

    permission_classes = [IsAuthenticated]

    def post(self, request, event_id: int):
        if not services.mark_read(request.user, event_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReadAllResult(serializers.Serializer):
    marked = serializers.IntegerField()


@extend_schema(tags=TAGS, request=None, responses=ReadAllResult)
class NotificationReadAll(APIView):
    """Mark all my notifications read."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        return Response({"marked": services.mark_all_read(request.user)})


class PreferenceSerializer(serializers.Serializer):
    rubric = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named label shadows Field.label in the DRF stubs
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    email = serializers.BooleanField()
    push = serializers.BooleanField()
    locked = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "Always on, by e-mail too (alerts; moderation and the team's answers): a change "
            "is refused."
        ),
    )
    sms = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=_(
            "Alerts only (the rubric sent by SMS): whether alert SMS reach your mobile, your "
            "consent (accepts_sms of /api/v1/me/). false withdraws it; true needs a mobile "
            "number. null for the other rubrics, which are never sent by SMS."
        ),
    )

    def validate_sms(self, value):
        rubric = RUBRICS.get(self.context.get("rubric", ""))
        if value is not None and (rubric is None or not rubric.sms):
            raise serializers.ValidationError(_("Only alerts are sent by SMS."))
        return value


def _preference_data(choice, user) -> dict:
    return {
        "rubric": choice.rubric.key,
        "label": str(choice.rubric.label),
        "frequency": choice.frequency,
        "email": choice.email,
        "push": choice.push,
        "locked": choice.locked,
        "sms": user.accepts_sms if choice.rubric.sms else None,
    }


@extend_schema(tags=TAGS, responses=PreferenceSerializer(many=True))
class PreferenceList(APIView):
    """Every rubric with my choice, or its defaults."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(
            [_preference_data(c, request.user) for c in selectors.offered_preferences(request.user)]
        )


RUBRIC = OpenApiParameter(
    "rubric",
    str,
    OpenApiParameter.PATH,
    enum=list(RUBRICS),
    description=_("The rubric."),
)


@extend_schema(tags=TAGS, parameters=[RUBRIC])
class PreferenceDetail(APIView):
    """Read or change how one rubric reaches me."""

    permission_classes = [IsAuthenticated]

    def _rubric(self, rubric: str):
        # A staff-only rubric does not exist for a resident (as on the preferences page).
        if not selectors.is_rubric_offered(self.request.user, rubric):
            raise Http404
        return rubric

    @extend_schema(responses=PreferenceSerializer)
    def get(self, request, rubric: str):
        choice = selectors.preference(request.user, self._rubric(rubric))
        return Response(_preference_data(choice, request.user))

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer)
    def put(self, request, rubric: str):
        key = self._rubric(rubric)
        data = PreferenceSerializer(data=request.data, context={"rubric": key})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        sms = values.pop("sms", None)
        with transaction.atomic():
            services.set_preference(request.user, key, **values)
            if sms is not None:
                try:
                    sms_consent_set(user=request.user, accepts=sms, request=request)
                except ValidationError as error:
                    raise serializers.ValidationError({"sms": error.messages}) from error
        return Response(_preference_data(selectors.preference(request.user, key), request.user))


class DeviceSerializer(serializers.ModelSerializer):
    token = serializers.CharField(
        max_length=1000,
        help_text=_("FCM registration token (apps), or the Web Push subscription's endpoint."),
    )

    class Meta:
        model = PushDevice
        fields = ["id", "platform", "token", "p256dh", "auth", "name", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "p256dh": {"write_only": True, "help_text": _("Web Push only: the key p256dh.")},
            "auth": {"write_only": True, "help_text": _("Web Push only: the auth secret.")},
        }

    def validate(self, attrs):
        if attrs["platform"] == PushDevice.Platform.WEB:
            errors = {}
            if not attrs["token"].startswith("https://"):
                errors["token"] = _("A web subscription's endpoint is an https address.")
            for key in ("p256dh", "auth"):
                if not attrs.get(key):
                    errors[key] = _("Required for a web subscription.")
            if not errors:
                from notifications.push import web_subscription_problem

                if web_subscription_problem(attrs["token"], attrs["p256dh"], attrs["auth"]):
                    errors["token"] = _("This browser subscription cannot be used.")
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


@extend_schema(tags=TAGS)
class DeviceList(generics.ListCreateAPIView):
    """My devices that receive push notifications; POST registers (or refreshes) one."""

    permission_classes = [IsAuthenticated]
    serializer_class = DeviceSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return PushDevice.objects.none()
        return PushDevice.objects.filter(user=self.request.user, active=True).order_by("-id")

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = services.register_device(request.user, **data.validated_data)
        return Response(self.get_serializer(device).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=TAGS,
    parameters=[
        OpenApiParameter(
            "device_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="Id."
        )
    ],
    responses={204: OpenApiResponse(description=_("Removed.")), 404: OpenApiResponse()},
)
class DeviceDetail(APIView):
    """Stop push notifications on one of my devices."""

    permission_classes = [IsAuthenticated]

    def delete(self, request, device_id: int):
        if not services.remove_device(request.user, device_id=device_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("notifications/", NotificationList.as_view(), name="notifications"),
    path(
        "notifications/unread-count/",
        NotificationUnreadCount.as_view(),
        name="notifications-unread-count",
    ),
    path("notifications/read-all/", NotificationReadAll.as_view(), name="notifications-read-all"),
    path(
        "notifications/<int:event_id>/read/",
        NotificationRead.as_view(),
        name="notification-read",
    ),
    path(
        "notification-preferences/",
        PreferenceList.as_view(),
        name="notification-preferences",
    ),
    path(
        "notification-preferences/<str:rubric>/",
        PreferenceDetail.as_view(),
        name="notification-preference",
    ),
    path("devices/", DeviceList.as_view(), name="devices"),
    path("devices/<int:device_id>/", DeviceDetail.as_view(), name="device"),
]
