"""The town hall's side of the suggestions API, under
/api/v1/communes/{commune_slug}/suggestions/ (SUG-1, SUG-2); ``api_urls`` includes
``urlpatterns``.

* ``manage/``: every suggestion of the commune (waiting first), for the staff who handle
  them; ``manage/<id>/accept/``, ``refuse/``, ``status/``, ``close-voting/``: their
  decisions (``staff``'s rules, so exactly what the admin does).
* ``categories/``: the commune's categories. Everyone who sees suggestions reads the
  active ones (the proposal form); the staff also read the retired ones
  (``?include_retired=true``), add, change (rename, move, retire) and delete unused ones.

For validated residents and staff (``ValidatedResident``: 403 with a message for anyone
else); staff-only operations answer 403 with a message to the others; a suggestion or a
category of another commune answers 404 like a missing one; bad input is a 400 by field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.permissions import ModuleEnabled
from communes.permissions import ValidatedResident
from core.api_fields import StrictBooleanField, StrictCharField, StrictIntegerField
from core.ids import positive_id
from core.openapi import COMMUNE_SLUG, path_id
from modules.suggestions import staff
from modules.suggestions.categories import default_categories
from modules.suggestions.models import CATEGORY_MAX_LENGTH, NOTE_MAX_LENGTH, Category, Suggestion
from modules.suggestions.selectors import can_manage_suggestions
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

MODULE_LABEL = "suggestions"
TAGS = ["suggestions"]
SUGGESTION_ID = path_id("suggestion_id", "Id of the suggestion.")
CATEGORY_ID = path_id("category_id", "Id of the category.")
Status = Suggestion.Status


# --- serializers ---------------------------------------------------------------------


class PlainChoiceField(serializers.CharField):
    """A status as a plain string in the schema: an enum named ``status`` would collide
    with the other apps' (drf-spectacular names enums by field)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class StaffCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    active = serializers.BooleanField(read_only=True, help_text="false: retired.")


class StaffSuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    category = StaffCategorySerializer(read_only=True)
    status = PlainChoiceField(
        help_text="proposed, refused, published, under_study, retained, done, not_retained."
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    author = PersonSerializer(source="author_card", read_only=True)
    has_photo = serializers.SerializerMethodField()
    refusal_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    voting_open = serializers.BooleanField(read_only=True)
    voting_closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    votes_for = serializers.IntegerField(read_only=True)
    votes_against = serializers.IntegerField(read_only=True)
    hidden = serializers.SerializerMethodField(help_text="Hidden by moderation.")

    def get_has_photo(self, suggestion) -> bool:
        return bool(suggestion.photo)

    def get_hidden(self, suggestion) -> bool:
        return suggestion.hidden_at is not None


class RefuseSerializer(serializers.Serializer):
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="Optional; sent to the author only, never published.",
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[status.value for status in staff.FOLLOW_UP_STATUSES],
        help_text="under_study, retained, done (carried out) or not_retained.",
    )
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="The public note; required for done and not_retained (they close voting).",
    )


class CategoryInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=CATEGORY_MAX_LENGTH)
    position = StrictIntegerField(
        required=False, min_value=0, max_value=32767, help_text="Default: last."
    )
    active = StrictBooleanField(required=False, help_text="false retires it.")


class CategoryUpdateSerializer(CategoryInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False


# --- views ---------------------------------------------------------------------------


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class _StaffApi(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated, ValidatedResident]

    def is_manager(self):
        return can_manage_suggestions(self.request.user, self.request.commune)

    def require_manager(self):
        if not self.is_manager():
            raise DrfPermissionDenied(_("Only the town hall's staff handle suggestions."))

    def suggestion(self, suggestion_id):
        suggestion = (
            Suggestion.objects.filter(commune=self.request.commune, pk=positive_id(suggestion_id))
            .select_related("commune", "category")
            .first()
        )
        if suggestion is None:
            raise Http404
        return suggestion

    def suggestion_output(self, suggestion):
        suggestion = self.suggestion(suggestion.pk)  # as stored, with its relations
        attach_cards(self.request.user, [suggestion], "author")
        return Response(StaffSuggestionSerializer(suggestion).data)


class ManageListApi(_StaffApi, generics.ListAPIView):
    """Every suggestion of the commune, for the staff who handle them."""

    serializer_class = StaffSuggestionSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Suggestion.objects.none()
        self.require_manager()
        suggestions = Suggestion.objects.filter(commune=self.request.commune).select_related(
            "category"
        )
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in Status.values:
                raise serializers.ValidationError({"status": [_("Unknown status.")]})
            suggestions = suggestions.filter(status=wanted)
        return suggestions.annotate(
            waiting=Case(
                When(status=Status.PROPOSED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("waiting", "-created_at", "-pk")

    def paginate_queryset(self, queryset):
        suggestions = super().paginate_queryset(queryset) or []
        return attach_cards(self.request.user, suggestions, "author")

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_manage_list",
        summary="Every suggestion of the commune, waiting ones first (town-hall staff)",
        description=(
            "All statuses, hidden ones included (`hidden`); `status` filters one. "
            "403 for anyone who does not handle the commune's suggestions."
        ),
        parameters=[
            COMMUNE_SLUG,
            OpenApiParameter(
                "status",
                str,
                enum=list(Status.values),
                required=False,
                description="Only the suggestions of this status.",
            ),
        ],
        responses={200: StaffSuggestionSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AcceptApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_manage_accept",
        summary="Accept and publish a waiting suggestion (town-hall staff)",
        description=(
            "Every validated resident is told, the author too. 400 when it was already "
            "decided; 403 for anyone who does not handle suggestions."
        ),
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=None,
        responses={200: StaffSuggestionSerializer},
    )
    def post(self, request, commune_slug: str, suggestion_id: int):
        self.require_manager()
        suggestion = staff.suggestion_accept(
            suggestion=self.suggestion(suggestion_id), by=request.user
        )
        return self.suggestion_output(suggestion)


class RefuseApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_manage_refuse",
        summary="Refuse a waiting suggestion, with an optional reason (town-hall staff)",
        description=(
            "The reason is sent to the author only. 400 when it was already decided; 403 "
            "for anyone who does not handle suggestions."
        ),
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=RefuseSerializer,
        responses={200: StaffSuggestionSerializer},
    )
    def post(self, request, commune_slug: str, suggestion_id: int):
        self.require_manager()
        suggestion = self.suggestion(suggestion_id)
        serializer = RefuseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        suggestion = staff.suggestion_refuse(
            suggestion=suggestion,
            by=request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        return self.suggestion_output(suggestion)


class StatusApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_manage_status",
        summary="Mark a public suggestion with a follow-up status and a note (town-hall staff)",
        description=(
            "The note is public; it is required for `done` and `not_retained`, which close "
            "voting. The suggestion's followers are told. 400 for a suggestion that is not "
            "public, or the same status without a new note."
        ),
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=StatusSerializer,
        responses={200: StaffSuggestionSerializer},
    )
    def post(self, request, commune_slug: str, suggestion_id: int):
        self.require_manager()
        suggestion = self.suggestion(suggestion_id)
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        staff.status_set(
            suggestion=suggestion, by=request.user, status=data["status"], note=data.get("note", "")
        )
        return self.suggestion_output(suggestion)


class CloseVotingApi(_StaffApi, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_manage_close_voting",
        summary="Close voting on a public suggestion (town-hall staff)",
        description="The totals stay as they are. 400 when already closed or not public.",
        parameters=[COMMUNE_SLUG, SUGGESTION_ID],
        request=None,
        responses={200: StaffSuggestionSerializer},
    )
    def post(self, request, commune_slug: str, suggestion_id: int):
        self.require_manager()
        suggestion = staff.voting_close(suggestion=self.suggestion(suggestion_id), by=request.user)
        return self.suggestion_output(suggestion)


class CategoryListCreateApi(_StaffApi, generics.ListAPIView):
    """The commune's categories (GET: everyone who sees suggestions); staff add one."""

    serializer_class = StaffCategorySerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Category.objects.none()
        commune = self.request.commune
        default_categories(commune)  # the defaults, for a commune that has none yet
        categories = Category.objects.filter(commune=commune)
        wanted = self.request.query_params.get("include_retired")
        if wanted not in (None, "true", "false"):
            raise serializers.ValidationError({"include_retired": [_("Write true or false.")]})
        if wanted == "true":
            self.require_manager()
        else:
            categories = categories.filter(active=True)
        return categories.order_by("position", "name", "pk")

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_categories_list",
        summary="The commune's categories of suggestions, in their order",
        description=(
            "The active ones (those a proposal may use); with `include_retired=true`, the "
            "town hall's staff also get the retired ones (403 for others)."
        ),
        parameters=[
            COMMUNE_SLUG,
            OpenApiParameter(
                "include_retired",
                bool,
                required=False,
                description="Staff only: the retired categories too.",
            ),
        ],
        responses={200: StaffCategorySerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_categories_create",
        summary="Add a category of suggestions (town-hall staff)",
        description="400 when the commune already has a category of this name.",
        parameters=[COMMUNE_SLUG],
        request=CategoryInputSerializer,
        responses={201: StaffCategorySerializer},
    )
    def post(self, request, commune_slug: str):
        self.require_manager()
        serializer = CategoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = staff.category_create(
            commune=request.commune,
            by=request.user,
            name=data["name"],
            position=data.get("position"),
            active=data.get("active", True),
        )
        return Response(StaffCategorySerializer(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailApi(_StaffApi, APIView):
    def category(self, category_id):
        category = (
            Category.objects.filter(commune=self.request.commune, pk=positive_id(category_id))
            .select_related("commune")
            .first()
        )
        if category is None:
            raise Http404
        return category

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_categories_partial_update",
        summary="Rename, move or retire a category (town-hall staff)",
        description="Its suggestions keep it. 400 when the name is taken in the commune.",
        parameters=[COMMUNE_SLUG, CATEGORY_ID],
        request=CategoryUpdateSerializer,
        responses={200: StaffCategorySerializer},
    )
    def patch(self, request, commune_slug: str, category_id: int):
        self.require_manager()
        category = self.category(category_id)
        serializer = CategoryUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = staff.category_update(
            category=category, by=request.user, **serializer.validated_data
        )
        return Response(StaffCategorySerializer(category).data)

    @extend_schema(
        tags=TAGS,
        operation_id="suggestions_categories_destroy",
        summary="Delete a category no suggestion uses (town-hall staff)",
        description="400 when suggestions use it: retire it instead (`active: false`).",
        parameters=[COMMUNE_SLUG, CATEGORY_ID],
        request=None,
        responses={
            204: None,
            400: OpenApiResponse(
                {"type": "object", "additionalProperties": {}},
                description="Suggestions use the category: messages by field.",
            ),
        },
    )
    def delete(self, request, commune_slug: str, category_id: int):
        self.require_manager()
        staff.category_delete(category=self.category(category_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("manage/", ManageListApi.as_view(), name="manage"),
    path("manage/<int:suggestion_id>/accept/", AcceptApi.as_view(), name="manage-accept"),
    path("manage/<int:suggestion_id>/refuse/", RefuseApi.as_view(), name="manage-refuse"),
    path("manage/<int:suggestion_id>/status/", StatusApi.as_view(), name="manage-status"),
    path(
        "manage/<int:suggestion_id>/close-voting/",
        CloseVotingApi.as_view(),
        name="manage-close-voting",
    ),
    path("categories/", CategoryListCreateApi.as_view(), name="categories"),
    path("categories/<int:category_id>/", CategoryDetailApi.as_view(), name="category-detail"),
]
