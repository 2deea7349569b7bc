"""REST API of alerts, under /api/v1/communes/{commune_slug}/alerts/ (ALR-1…ALR-5).

The core's guard has already set ``request.commune`` from ``commune_slug`` (404 for
an unknown commune or a module switched off).

* ``GET ./``: the alerts the caller may read in the commune (their community's,
  its twinned communities', the town hall's), newest first, each original with its
  corrections nested; ``read`` says whether the caller has read it.
* ``POST ./``: a member alerts their community (``corrects`` for a correction).
* ``GET banner/``: the town hall's alerts the caller has not read yet: the red
  banner of ALR-5, to show above the feed until ``POST {id}/read/``.
* ``POST town-hall/``: staff holding ``send_alerts`` alert every resident.
* ``GET {id}/``: one alert with its corrections; ``POST {id}/read/`` marks it read
  (and so cancels its SMS if the 4 minutes are not over: ALR-3).

An alert is never edited nor deleted (ALR-4): ``PUT``, ``PATCH`` and ``DELETE``
answer 405 everywhere. An alert the caller may not read is a 404. The author of
an alert is always given by their real name (ACC-5). Rules live in
``alerts.services``: ValidationErrors become 400s with field messages,
PermissionDenied 403s (``api.exceptions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.permissions import ModuleEnabled
from api.v1.community_serializers import CommunityRefSerializer
from communes.roles import SEND_ALERTS
from communes.selectors import commune_permission
from communities.selectors import community_of
from core.api_parsers import JSONParser
from core.openapi import COMMUNE_SLUG
from modules.alerts import selectors, services
from modules.alerts.forms import CONFIRM_REQUIRED
from modules.alerts.models import Alert
from notifications.models import Notification
from notifications.services import mark_read
from privacy.matrix import alert_author_name

MODULE_LABEL = "alerts"
TAGS = ["alerts"]

ALERT_ID = OpenApiParameter(
    "alert_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="Id."
)


# --- serializers --------------------------------------------------------------


class CorrectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    category = serializers.ChoiceField(choices=Alert.Category.choices, read_only=True)
    text = serializers.CharField(read_only=True)
    author_name = serializers.SerializerMethodField(
        help_text="The author's real name, always (ACC-5); null for the town hall."
    )
    created_at = serializers.DateTimeField(read_only=True)
    read = serializers.SerializerMethodField(help_text="Whether you have read it.")

    def get_author_name(self, alert) -> str | None:
        if alert.community_id is None:
            return None
        return alert_author_name(alert.author)

    def get_read(self, alert) -> bool:
        return alert.event_id not in self.context.get("unread", ())


class AlertSerializer(CorrectionSerializer):
    kind = serializers.SerializerMethodField(
        help_text="`community`: an alert of a neighbourhood community; `town_hall`: the town "
        "hall's."
    )
    community = serializers.SerializerMethodField()
    corrects = serializers.IntegerField(
        source="corrects_id", read_only=True, allow_null=True, help_text="The alert it corrects."
    )
    corrections = serializers.SerializerMethodField(
        help_text="Corrections of this alert, oldest first (ALR-4)."
    )

    def get_kind(self, alert) -> str:
        return "town_hall" if alert.community_id is None else "community"

    @extend_schema_field(CommunityRefSerializer(allow_null=True))
    def get_community(self, alert) -> dict | None:
        if alert.community_id is None:
            return None
        return CommunityRefSerializer(alert.community).data

    @extend_schema_field(CorrectionSerializer(many=True))
    def get_corrections(self, alert) -> list[Any]:
        if alert.corrects_id is not None:
            return []
        corrections = CorrectionSerializer(alert.corrections.all(), many=True, context=self.context)
        return list(corrections.data)


class ConfirmField(serializers.BooleanField):
    """``confirm: true`` is required: an alert cannot be taken back (ALR-4)."""

    def __init__(self, **kwargs):
        super().__init__(
            required=True,
            help_text="Must be `true`: the person confirmed sending (an alert is sent at "
            "once and can be neither changed nor deleted). Missing or `false`: 400 on "
            "`confirm`, nothing is sent.",
            error_messages={"required": CONFIRM_REQUIRED},
            **kwargs,
        )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value is not True:
            raise serializers.ValidationError(str(CONFIRM_REQUIRED))
        return value


class CommunityAlertInputSerializer(serializers.Serializer):
    confirm = ConfirmField()
    text = serializers.CharField(help_text="What, where, when (at most 1,000 characters).")
    category = serializers.ChoiceField(
        choices=Alert.Category.choices, default=Alert.Category.SECURITY, required=False
    )
    corrects = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Id of the alert this one corrects (yours, or any of your community's "
        "if you are a référent).",
    )


class TownHallAlertInputSerializer(serializers.Serializer):
    confirm = ConfirmField()
    text = serializers.CharField()
    category = serializers.ChoiceField(choices=Alert.Category.choices)
    corrects = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Id of the alert it corrects."
    )


# --- helpers ------------------------------------------------------------------


def unread_of(user, alerts) -> set[int]:
    """Event ids among ``alerts`` (and their corrections) that ``user`` has not read."""
    event_ids = []
    for alert in alerts:
        event_ids.append(alert.event_id)
        if alert.corrects_id is None:
            event_ids += [c.event_id for c in alert.corrections.all()]
    event_ids = [pk for pk in event_ids if pk]
    if not event_ids:
        return set()
    return set(
        Notification.objects.filter(
            recipient_id=user.pk, event_id__in=event_ids, read_at__isnull=True
        ).values_list("event_id", flat=True)
    )


def visible(request, pk: int) -> Alert:
    return selectors.access_alert(request.user, pk, commune=request.commune)


def output(request, pk: int, *, status_code=status.HTTP_200_OK) -> Response:
    """One alert as the caller may read it, with its corrections."""
    alert = visible(request, pk)
    data = AlertSerializer(alert, context={"unread": unread_of(request.user, [alert])}).data
    return Response(data, status=status_code)


def corrected(request, pk: int | None, community=None) -> Alert | None:
    """The alert a correction names (``community``: the sender's, None for the town hall).

    400 on ``corrects`` if the caller may not read it or it is not of the same place
    (ALR-4: a correction stays in its thread); 403 if the caller may not correct it
    (only its author or a référent of the community correct a community alert).
    """
    if pk is None:
        return None
    alert = selectors.alerts_visible_to(request.user, request.commune).filter(pk=pk).first()
    if alert is None:
        raise ValidationError({"corrects": _("There is no alert with this id.")})
    if community is None and alert.community_id is not None:
        raise ValidationError({"corrects": _("The town hall can only correct its own alerts.")})
    if community is not None and alert.community_id != community.pk:
        raise ValidationError({"corrects": _("You can only correct an alert of your community.")})
    if not selectors.can_correct(request.user, alert):
        raise PermissionDenied(
            _("Only its author or a référent of the community can correct this alert.")
        )
    return alert


def member_community(request):
    """The caller's community in the path's commune: only its members send alerts (403)."""
    community = community_of(request.user)
    if community is None or community.commune_id != request.commune.pk:
        raise PermissionDenied(_("Only members of a community can send an alert."))
    return community


def with_corrections(alerts: list[Alert]) -> list[Alert]:
    """Fetch the corrections of ``alerts`` in one query, as the list does."""
    prefetch_related_objects(
        alerts,
        Prefetch(
            "corrections",
            queryset=Alert.objects.filter(hidden_at__isnull=True)
            .select_related("author")
            .order_by("created_at", "pk"),
        ),
    )
    return alerts


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class AlertApiMixin(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated]
    parser_classes = [JSONParser]


# --- views --------------------------------------------------------------------


class AlertListApi(AlertApiMixin, ListAPIView):
    serializer_class = AlertSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return selectors.threads_visible_to(self.request.user, self.request.commune).select_related(
            "community__commune"
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {"unread": unread_of(request.user, page)}
        return self.get_paginated_response(AlertSerializer(page, many=True, context=context).data)

    @extend_schema(
        tags=TAGS,
        operation_id="alerts_list",
        summary="List the alerts you may read",
        description=(
            "Your community's, its twinned communities' and the town hall's (for validated "
            "residents), newest first; corrections are nested in the alert they correct. "
            "The staff of a partner town hall see every community alert of the commune."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: AlertSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="alerts_send",
        summary="Alert your community",
        description=(
            "Members of a community of the commune (403 otherwise). Every member is "
            "notified at once (in-app, e-mail, push); those who gave a mobile number, "
            "accept SMS and have not read it 4 minutes later get an SMS; the partner town "
            "hall, its police contact and the twinned communities (by e-mail) are told. "
            "400 with a field message when the text is empty or too long, or when a rate "
            "limit is reached. An alert cannot be changed or deleted: send a correction "
            "with `corrects` (your own alert, or any of your community's if you are a "
            "référent: 403 otherwise)."
        ),
        parameters=[COMMUNE_SLUG],
        request=CommunityAlertInputSerializer,
        responses={201: AlertSerializer},
    )
    def post(self, request, commune_slug: str):
        community = member_community(request)  # who may send first: 403 before any 400
        data = CommunityAlertInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.send_community_alert(
            author=request.user,
            community=community,
            text=data.validated_data["text"],
            category=data.validated_data.get("category", Alert.Category.SECURITY),
            corrects=corrected(request, data.validated_data.get("corrects"), community),
            source=Alert.Source.API,
        )
        return output(request, alert.pk, status_code=status.HTTP_201_CREATED)


class BannerApi(AlertApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="alerts_banner",
        summary="The town hall's alerts you have not read (the red banner)",
        description=(
            "Show them above the feed, in red, until the person reads them "
            "(`POST {id}/read/`, or opening the notification). Empty when all are read."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: AlertSerializer(many=True)},
    )
    def get(self, request, commune_slug: str):
        alerts = with_corrections(selectors.unread_town_hall_alerts(request.user, request.commune))
        unread = {alert.event_id for alert in alerts}
        return Response(
            AlertSerializer(alerts, many=True, context={"unread": unread}).data if alerts else []
        )


class TownHallAlertApi(AlertApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="alerts_send_town_hall",
        summary="Alert every resident of the commune (town hall)",
        description=(
            "Staff holding the `send_alerts` permission on the commune (403 otherwise). "
            "Every validated resident is notified in-app (a red banner until read), by "
            "e-mail and push, and by SMS at once if they gave a mobile number and accept "
            "SMS: the 4-minute rule of community alerts does not apply."
        ),
        parameters=[COMMUNE_SLUG],
        request=TownHallAlertInputSerializer,
        responses={201: AlertSerializer},
    )
    def post(self, request, commune_slug: str):
        if not commune_permission(request.user, request.commune, SEND_ALERTS):
            raise PermissionDenied(_("You cannot send alerts for this commune."))
        data = TownHallAlertInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.send_town_hall_alert(
            by=request.user,
            commune=request.commune,
            category=data.validated_data["category"],
            text=data.validated_data["text"],
            corrects=corrected(request, data.validated_data.get("corrects")),
            source=Alert.Source.API,
        )
        return output(request, alert.pk, status_code=status.HTTP_201_CREATED)


class AlertDetailApi(AlertApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="alerts_detail",
        summary="One alert, with its corrections",
        description="404 if you may not read it. Reading it here does not mark it read.",
        parameters=[COMMUNE_SLUG, ALERT_ID],
        responses={200: AlertSerializer},
    )
    def get(self, request, commune_slug: str, alert_id: int):
        return output(request, alert_id)


class AlertReadApi(AlertApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="alerts_read",
        summary="Mark an alert read",
        description=(
            "Removes a town-hall alert from the banner; within 4 minutes of a community "
            "alert, it also means you get no SMS for it (ALR-3)."
        ),
        parameters=[COMMUNE_SLUG, ALERT_ID],
        request=None,
        responses={200: AlertSerializer},
    )
    def post(self, request, commune_slug: str, alert_id: int):
        alert = visible(request, alert_id)
        if alert.event_id:
            mark_read(request.user, alert.event_id)
        return output(request, alert.pk)
