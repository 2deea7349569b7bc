"""The staff's side of the classifieds API, under
/api/v1/communes/{commune_slug}/classifieds/manage/ (CLS-1, CNT-5); ``api_urls`` includes
``urlpatterns``.

For those the admin lets moderate the commune's classifieds (``selectors.STAFF_SCOPE``:
its town hall, its hosting partner's staff, superusers): every classified of the commune,
closed, expired and hidden ones included, with their authors through the privacy matrix
(``public_author=True``, as the admin). They correct a title or a description and open or
close a classified (``services.classified_moderate``). Anyone else signed in gets a 403
with a message; a classified of another commune answers 404 like a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ModuleEnabled
from core.api_fields import StrictCharField
from core.ids import positive_id
from core.openapi import COMMUNE_SLUG
from modules.classifieds.api import CLASSIFIED_ID
from modules.classifieds.models import Classified
from modules.classifieds.selectors import MODULE_LABEL, user_can_moderate_commune
from modules.classifieds.services import classified_moderate
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

TAGS = ["classifieds"]
STATUS_HELP = "open, closed or expired."


@extend_schema_field({"type": "string"})
class PlainChoiceField(serializers.ChoiceField):
    """A choice written as a plain string in the schema (its values in its help text):
    drf-spectacular names every enum after its field, and a second component using the
    classifieds' ``status`` enum would make it collide with the other apps' ones."""


# --- serializers -------------------------------------------------------------------


class ClassifiedManageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Classified.Kind.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    contact = serializers.CharField(
        read_only=True, help_text="Other ways to reach the author, in their words (may be empty)."
    )
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    hidden = serializers.SerializerMethodField(help_text="Hidden by moderation (reports).")
    author_display_name = serializers.CharField(source="author_card.display_name", read_only=True)
    author = PersonSerializer(source="author_card", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_hidden(self, classified) -> bool:
        return classified.hidden_at is not None


class ClassifiedModerateInputSerializer(serializers.Serializer):
    """PATCH: only the fields sent change."""

    title = StrictCharField(max_length=120)
    description = StrictCharField(max_length=3000)
    status = PlainChoiceField(
        choices=Classified.Status.choices,
        help_text=f"{STATUS_HELP} Closing sets `closed_at`; reopening clears it.",
    )


class ClassifiedManageFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Classified.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Classified.Status.choices)

    class Meta:
        model = Classified
        fields = ["kind", "status"]


# --- views ---------------------------------------------------------------------------


class ModeratesClassifieds(BasePermission):
    """The staff the admin lets moderate this commune's classifieds (``STAFF_SCOPE``)."""

    message = _("Only the town hall and its hosting partner moderate the classifieds.")

    def has_permission(self, request, view):
        commune = getattr(request, "commune", None)
        return commune is not None and user_can_moderate_commune(request.user, commune)


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class _ManageApi(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated, ModeratesClassifieds]

    def classified(self, classified_id) -> Classified:
        found = (
            Classified.objects.filter(
                commune=self.request.commune,  # type: ignore[attr-defined]  # the core's guard
                pk=positive_id(classified_id),
            )
            .select_related("commune")
            .first()
        )
        if found is None:
            raise Http404
        return found

    def output(self, classified) -> Response:
        attach_cards(self.request.user, [classified], "author", public_author=True)
        return Response(
            ClassifiedManageSerializer(classified, context={"request": self.request}).data
        )


class ManageListApi(_ManageApi, generics.ListAPIView):
    """Every classified of the commune, newest first."""

    serializer_class = ClassifiedManageSerializer
    filterset_class = ClassifiedManageFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Classified.objects.none()
        return Classified.objects.filter(commune=self.request.commune).order_by(
            "-created_at", "-pk"
        )

    def get_serializer(self, *args, **kwargs):
        # Authors go through the privacy matrix: one query for the page.
        if args and kwargs.get("many"):
            args = (attach_cards(self.request.user, args[0], "author", public_author=True),)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_manage_list",
        summary="Every classified of the commune, for its moderators",
        description=(
            "Open, closed, expired and hidden ones, newest first; filter by `status` and "
            "`kind`. Paginated. For the town hall and its hosting partner's staff: 403 for "
            "anyone else signed in (a resident, another commune's town hall)."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: ClassifiedManageSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ManageDetailApi(_ManageApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_manage_read",
        summary="A classified of the commune, for its moderators",
        description=(
            "Whatever its status, hidden or not. 403 for anyone who does not moderate the "
            "commune's classifieds; 404 for a classified that is not one of the commune's."
        ),
        parameters=[COMMUNE_SLUG, CLASSIFIED_ID],
        responses={200: ClassifiedManageSerializer},
    )
    def get(self, request, commune_slug: str, classified_id: int):
        return self.output(self.classified(classified_id))

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_manage_update",
        summary="Correct a classified, close or reopen it",
        description=(
            "Only the fields sent change; the author is not told. 400 by field for an "
            "invalid value (an empty title, say); 403 for anyone who does not moderate the "
            "commune's classifieds; 404 for a classified that is not one of the commune's."
        ),
        parameters=[COMMUNE_SLUG, CLASSIFIED_ID],
        request=ClassifiedModerateInputSerializer,
        responses={200: ClassifiedManageSerializer},
    )
    def patch(self, request, commune_slug: str, classified_id: int):
        classified = self.classified(classified_id)
        serializer = ClassifiedModerateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        classified = classified_moderate(
            classified=classified,
            by=request.user,
            title=data.get("title", classified.title),
            description=data.get("description", classified.description),
            status=data.get("status", classified.status),
        )
        return self.output(classified)
