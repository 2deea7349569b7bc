"""REST API of classifieds, under /api/v1/communes/{commune_slug}/classifieds/.

The core's guard has already set ``request.commune`` from ``commune_slug`` (404
for an unknown commune or a module switched off). One view per operation, with
its own input and output serializers; the services hold the rules.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ModuleEnabled
from communes.permissions import ValidatedResident
from modules.classifieds.models import Classified
from modules.classifieds.selectors import (
    access_classified,
    classifieds_of_author,
    classifieds_open,
)
from modules.classifieds.services import classified_close, classified_create
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

MODULE_LABEL = "classifieds"
TAGS = ["classifieds"]


# --- serializers --------------------------------------------------------------


class ClassifiedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Classified.Kind.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    contact = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Classified.Status.choices, read_only=True)
    author_display_name = serializers.CharField(source="author_card.display_name", read_only=True)
    author = PersonSerializer(source="author_card", read_only=True)
    is_mine = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_is_mine(self, classified) -> bool:
        user = self.context["request"].user
        return classified.author_id is not None and classified.author_id == user.pk


class StrictCharField(serializers.CharField):
    """A text field that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer field that refuses booleans (DRF reads true as 1)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class ClassifiedInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Classified.Kind.choices)
    title = StrictCharField(max_length=120)
    description = StrictCharField(max_length=3000)
    contact = StrictCharField(max_length=200)
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


class ClassifiedApiMixin:
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
        return classifieds_open(commune=self.request.commune)

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
        return classifieds_of_author(commune=self.request.commune, author=self.request.user)

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
    """One classified; a closed or expired one is visible to its author only."""

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
        classified = access_classified(
            commune=request.commune, pk=classified_id, viewer=request.user
        )
        return self.output(classified)


class ClassifiedCloseApi(ClassifiedApiMixin, APIView):
    """Close your classified; closing it again changes nothing."""

    @extend_schema(
        tags=TAGS,
        operation_id="classifieds_close",
        summary="Close your classified",
        parameters=[CLASSIFIED_ID],
        request=None,
        responses={
            200: ClassifiedOutputSerializer,
        },
    )
    def post(self, request, commune_slug: str, classified_id: int):
        classified = access_classified(
            commune=request.commune, pk=classified_id, viewer=request.user
        )
        return self.output(classified_close(classified=classified, by=request.user))
