"""REST API of classifieds, under /api/v1/communes/{commune_slug}/classifieds/.

The core's guard has already set ``request.commune`` from ``commune_slug`` (404
for an unknown commune or a module switched off). One view per operation, with
its own input and output serializers; the services hold the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_filters
from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ModuleEnabled
from communes.permissions import ValidatedResident
from core.api_fields import StrictBooleanField, StrictCharField, StrictIntegerField
from modules.classifieds.models import Classified
from modules.classifieds.selectors import (
    access_classified,
    access_own_classified,
    classifieds_of_author,
    classifieds_open,
    contact_of,
)
from modules.classifieds.services import (
    classified_close,
    classified_create,
    classified_update,
)
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

MODULE_LABEL = "classifieds"
TAGS = ["classifieds"]


# --- serializers --------------------------------------------------------------


class AuthorContactSerializer(serializers.Serializer):
    """What the author chose to show on this classified; null where they did not."""

    mobile = serializers.CharField(
        read_only=True, allow_null=True, help_text="E.164, for example +33611223344."
    )
    landline = serializers.CharField(
        read_only=True, allow_null=True, help_text="E.164, for example +2252722441010."
    )
    email = serializers.EmailField(read_only=True, allow_null=True)


class ClassifiedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Classified.Kind.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    contact = serializers.CharField(
        read_only=True, help_text="Other ways to reach the author, in their words (may be empty)."
    )
    show_phone = serializers.BooleanField(read_only=True)
    show_email = serializers.BooleanField(read_only=True)
    author_contact = serializers.SerializerMethodField(
        help_text="The author's phones (E.164) and e-mail, as they chose to show them here."
    )
    status = serializers.ChoiceField(choices=Classified.Status.choices, read_only=True)
    author_display_name = serializers.CharField(source="author_card.display_name", read_only=True)
    author = PersonSerializer(source="author_card", read_only=True)
    is_mine = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(AuthorContactSerializer)
    def get_author_contact(self, classified) -> dict:
        return AuthorContactSerializer(contact_of(classified)).data

    def get_is_mine(self, classified) -> bool:
        user = self.context["request"].user
        return classified.author_id is not None and classified.author_id == user.pk


class ClassifiedFieldsSerializer(serializers.Serializer):
    """The fields the author writes, on publishing and on changing."""

    kind = serializers.ChoiceField(choices=Classified.Kind.choices)
    title = StrictCharField(max_length=120)
    description = StrictCharField(max_length=3000)
    contact = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Optional: other ways to reach you, in your words.",
    )
    show_phone = StrictBooleanField(
        required=False,
        help_text="Show your phone numbers on this classified (default false; needs a number).",
    )
    show_email = StrictBooleanField(
        required=False, help_text="Show your e-mail address on this classified (default false)."
    )


class ClassifiedUpdateSerializer(ClassifiedFieldsSerializer):
    """PATCH: only the fields sent change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ClassifiedInputSerializer(ClassifiedFieldsSerializer):
    days = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=settings.CLASSIFIEDS_MAX_DAYS,
        help_text=f"Days the classified stays open (default {settings.CLASSIFIEDS_DEFAULT_DAYS}).",
    )


class ClassifiedFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Classified.Kind.choices)

    class Meta:
        model = Classified
        fields = ["kind"]


CLASSIFIED_ID = OpenApiParameter(
    "classified_id",
    {"type": "integer", "minimum": 1},
    OpenApiParameter.PATH,
    description="Classified id.",
)


# --- views --------------------------------------------------------------------


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class ClassifiedApiMixin(_ApiBase):
    module_label = MODULE_LABEL
    # Validated residents of the commune and its staff (ACC-10): 403 for anyone else.
    permission_classes = [ModuleEnabled, IsAuthenticated, ValidatedResident]

    def get_serializer_context(self):
        return {"request": self.request, "view": self}

    def get_serializer(self, *args, **kwargs):
        # Authors are shown through the privacy matrix: one query per page.
        if args and kwargs.get("many"):
            args = (attach_cards(self.request.user, args[0], "author", public_author=True),)
        return super().get_serializer(*args, **kwargs)

    def output(self, classified, *, status_code=status.HTTP_200_OK) -> Response:
        attach_cards(self.request.user, [classified], "author", public_author=True)
        serializer = ClassifiedOutputSerializer(classified, context=self.get_serializer_context())
        return Response(serializer.data, status=status_code)


class ClassifiedListCreateApi(ClassifiedApiMixin, generics.ListAPIView):
    """Open classifieds of the commune, newest first (GET); publish one (POST)."""

    serializer_class = ClassifiedOutputSerializer
    filterset_class = ClassifiedFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Classified.objects.none()
        # The author's published contact is read from their account: joined, not N queries.
        return classifieds_open(commune=self.request.commune).select_related("author")

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_list",
        summary="List the open classifieds of the commune",
        responses={
            200: ClassifiedOutputSerializer(many=True),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_create",
        summary="Publish a classified",
        request=ClassifiedInputSerializer,
        responses={
            201: ClassifiedOutputSerializer,
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = ClassifiedInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        classified = classified_create(
            commune=request.commune, author=request.user, **serializer.validated_data
        )
        return self.output(classified, status_code=status.HTTP_201_CREATED)


class ClassifiedMineApi(ClassifiedApiMixin, generics.ListAPIView):
    """Your own classifieds in this commune, closed and expired ones included."""

    serializer_class = ClassifiedOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Classified.objects.none()
        return classifieds_of_author(
            commune=self.request.commune, author=self.request.user
        ).select_related("author")

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_mine",
        summary="List your own classifieds",
        responses={
            200: ClassifiedOutputSerializer(many=True),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClassifiedDetailApi(ClassifiedApiMixin, APIView):
    """One classified (GET; a closed or expired one is visible to its author only);
    its author changes it while it is open (PATCH; 404 for anyone else)."""

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_retrieve",
        summary="Read one classified",
        parameters=[CLASSIFIED_ID],
        responses={
            200: ClassifiedOutputSerializer,
        },
    )
    def get(self, request, commune_slug: str, classified_id: int):
        classified = access_classified(request.user, classified_id, commune=request.commune)
        return self.output(classified)

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_partial_update",
        summary="Change your classified",
        description=(
            "Only the fields sent change; the end date stays. Anyone but the author gets "
            "404; a closed or expired classified gets 400."
        ),
        parameters=[CLASSIFIED_ID],
        request=ClassifiedUpdateSerializer,
        responses={
            200: ClassifiedOutputSerializer,
        },
    )
    def patch(self, request, commune_slug: str, classified_id: int):
        classified = access_own_classified(request.user, classified_id, commune=request.commune)
        serializer = ClassifiedUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.output(
            classified_update(classified=classified, by=request.user, **serializer.validated_data)
        )


class ClassifiedCloseApi(ClassifiedApiMixin, APIView):
    """Close your classified; closing it again changes nothing; 404 for anyone else's."""

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_close",
        summary="Close your classified",
        description="Anyone but the author gets 404, as for a classified that does not exist.",
        parameters=[CLASSIFIED_ID],
        request=None,
        responses={
            200: ClassifiedOutputSerializer,
        },
    )
    def post(self, request, commune_slug: str, classified_id: int):
        classified = access_own_classified(request.user, classified_id, commune=request.commune)
        return self.output(classified_close(classified=classified, by=request.user))
