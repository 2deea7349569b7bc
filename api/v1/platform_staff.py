"""The platform staff's community actions in the API (CTY-2, CTY-4, CTY-5, CTY-8):
``/api/v1/platform/``.

What the Wagtail admin's "Communities" menu does (``communities.admin_views``):

* ``communities/``: every community with its member count, pending requests, area,
  area cap and validation mode; ``communities/{community_id}/``: read one with its
  boundary, and PATCH its area cap (a rural community may cover more than 1 km²), its
  validation mode and its boundary (redrawing it is how staff resolve an overlap);
* ``membership-requests/``: the requests waiting for the staff (escalated after 15 days,
  or of a community validated by the platform's staff) and their ``decision/``;
* ``exclusions/``: the référents' requests of exclusion (and the executed, lifted and
  rejected ones), their ``decision/`` and ``lift/``.

Platform staff only (``accounts.staff.is_platform_staff``): 401 without credentials,
403 for anyone else signed in, 404 for an unknown id. Every write is a
``communities.services`` call; their ValidationErrors become 400s by field
(``api.exceptions``). People are shown through the privacy matrix.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.staff import is_platform_staff
from api.schema import VALIDATION
from api.v1.communities import fields_renamed
from api.v1.community_serializers import (
    BoundaryField,
    BoundaryOutputSerializer,
    CommuneRefSerializer,
    CommunityRefSerializer,
    MembershipDecisionInputSerializer,
    MembershipRequestSerializer,
    boundary_geojson,
)
from api.v1.follows import CommuneSlugField
from communities import selectors, services
from communities.models import REASON_MAX_LENGTH, Community, Exclusion, Membership, ValidationMode
from core.api_fields import StrictBooleanField, StrictCharField
from core.api_parsers import JSONParser
from core.ids import positive_id
from core.openapi import path_id
from privacy.matrix import applicant_card, cards_by_id, former_member_card
from privacy.serializers import PersonSerializer

TAGS = ["platform staff"]
COMMUNITY_ID = path_id("community_id", "Id of the community.")
REQUEST_ID = path_id("request_id", "Id of the request to join a community.")
EXCLUSION_ID = path_id("exclusion_id", "Id of the exclusion.")
INVALID = OpenApiResponse(VALIDATION, description="Invalid input: messages by field.")

# The ``status`` filter of the exclusions: what each value lists.
EXCLUSION_STATUSES = {
    "requested": "Asked by a référent, waiting for a decision (the oldest first).",
    "executed": "Executed and still in force: the person may not ask again (newest first).",
    "lifted": "Executed, then lifted: the person may ask again (newest first).",
    "rejected": "Rejected by the platform's staff (newest first).",
}


class IsPlatformStaff(permissions.BasePermission):
    message = gettext_lazy("Only the platform's staff can do this.")

    def has_permission(self, request, view):
        return is_platform_staff(request.user)


STAFF_ONLY = [permissions.IsAuthenticated, IsPlatformStaff]


# --- serializers ---------------------------------------------------------------------------


class PlatformCommunitySerializer(serializers.Serializer):
    """A community as the platform's staff handle it: no person."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    commune = CommuneRefSerializer(read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    pending_request_count = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Requests to join waiting for a decision.")
    )
    area_m2 = serializers.FloatField(
        read_only=True, help_text=gettext_lazy("Area in square metres.")
    )
    area_cap_lifted = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy("true: the community may cover more than 1 km² (rural)."),
    )
    validation_mode = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "The community's own choice: referent or platform_staff (who decides requests)."
        ),
    )
    effective_validation_mode = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "The mode in force: a partner town hall's choice overrides the community's."
        ),
    )


class PlatformCommunityDetailSerializer(PlatformCommunitySerializer):
    boundary = serializers.SerializerMethodField()

    @extend_schema_field(BoundaryOutputSerializer)
    def get_boundary(self, community) -> dict:
        return boundary_geojson(community.area)


class CommunityFilterSerializer(serializers.Serializer):
    commune = CommuneSlugField(required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


@extend_schema_field({"type": "string", "enum": list(ValidationMode.values)})
class ValidationModeField(serializers.ChoiceField):
    """Inline in the schema: the town hall's settings name this choice set's component."""


class CommunityUpdateSerializer(serializers.Serializer):
    area_cap_lifted = StrictBooleanField(
        required=False,
        help_text=gettext_lazy(
            "true lifts the 1 km² cap (a rural community); false restores it (the boundary "
            "must then fit)."
        ),
    )
    validation_mode = ValidationModeField(
        choices=ValidationMode.choices,
        required=False,
        help_text=gettext_lazy("Who decides the requests to join: referent or platform_staff."),
    )
    boundary = BoundaryField(
        required=False,
        help_text=gettext_lazy(
            "The new boundary, a GeoJSON Polygon in WGS 84 (or a Feature holding one): it "
            "must keep every member's home inside and overlap no other community."
        ),
    )


class PlatformMembershipRequestSerializer(MembershipRequestSerializer):
    community = CommunityRefSerializer(read_only=True)


class ExclusionDecisionSerializer(serializers.Serializer):
    execute = StrictBooleanField(
        help_text=gettext_lazy("true: the member leaves the community; false: rejected.")
    )
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Optional note of the platform's staff, kept with the decision."),
    )


class PlatformExclusionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text=gettext_lazy("requested, executed or rejected.")
    )
    community = CommunityRefSerializer(read_only=True)
    member = PersonSerializer(source="member_card", read_only=True)
    requested_by = PersonSerializer(source="requested_by_card", read_only=True)
    reason = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Why the référent asks for it.")
    )
    requested_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    note = serializers.CharField(
        source="staff_note",
        read_only=True,
        help_text=gettext_lazy("The note of the platform's staff who decided."),
    )
    lifted_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Since when the person may ask to join again (lifted)."),
    )


# --- reads ---------------------------------------------------------------------------------


def staff_communities(query: str = ""):
    """``selectors.communities_for_staff`` with the pending requests counted (one query)."""
    return selectors.communities_for_staff(query).annotate(
        pending_request_count=Count(
            "memberships", filter=Q(memberships__status=Membership.Status.PENDING)
        )
    )


def community_or_404(user, pk) -> Community:
    return selectors.access_community(
        user, positive_id(pk), as_=selectors.STAFF, queryset=staff_communities()
    )


def exclusions(status: str):
    base = Exclusion.objects.select_related("community", "community__commune")
    if status == "requested":
        return selectors.requested_exclusions()
    if status == "executed":
        return selectors.executed_exclusions()
    if status == "lifted":
        return base.filter(status=Exclusion.Status.EXECUTED, lifted_at__isnull=False).order_by(
            "-lifted_at", "-pk"
        )
    return base.filter(status=Exclusion.Status.REJECTED).order_by("-decided_at", "-pk")


def attach_exclusion_cards(viewer, rows) -> list:
    """The member's and the requester's cards, as the admin shows them (one query)."""
    rows = list(rows)
    cards = cards_by_id(viewer, [pk for row in rows for pk in (row.member_id, row.requested_by_id)])
    for row in rows:
        row.member_card = cards.get(row.member_id) or former_member_card()
        row.requested_by_card = cards.get(row.requested_by_id) or former_member_card()
    return rows


def with_applicant_cards(memberships) -> list:
    """Each applicant as whoever decides sees them: name, address, presentation."""
    rows = list(memberships)
    for membership in rows:
        membership.user_card = applicant_card(membership.user)
        membership.escalated = membership.escalated_at is not None
    return rows


# --- communities ---------------------------------------------------------------------------


class CommunityListApi(generics.ListAPIView):
    permission_classes = STAFF_ONLY
    serializer_class = PlatformCommunitySerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Community.objects.none()
        filters = CommunityFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        communities = staff_communities(filters.validated_data.get("q", ""))
        commune = filters.validated_data.get("commune")
        if commune is not None:
            communities = communities.filter(commune=commune)
        return communities

    @extend_schema(
        tags=TAGS,
        operation_id="platform_communities_list",
        summary="List every community (platform staff)",
        description=(
            "By commune and name. `commune` keeps one commune's; `q` searches the names "
            "of communities and communes. No person is listed."
        ),
        parameters=[
            OpenApiParameter(
                "commune", str, OpenApiParameter.QUERY, description="Slug of the commune."
            ),
            OpenApiParameter(
                "q", str, OpenApiParameter.QUERY, description="Part of a community's name."
            ),
        ],
        responses={200: PlatformCommunitySerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CommunityDetailApi(APIView):
    permission_classes = STAFF_ONLY
    parser_classes = [JSONParser]

    def output(self, pk) -> Response:
        community = community_or_404(self.request.user, pk)
        return Response(PlatformCommunityDetailSerializer(community).data)

    @extend_schema(
        tags=TAGS,
        operation_id="platform_communities_read",
        summary="Read one community (platform staff)",
        description="Its counts, area, area cap, validation mode and boundary.",
        parameters=[COMMUNITY_ID],
        responses={200: PlatformCommunityDetailSerializer},
    )
    def get(self, request, community_id: int):
        return self.output(community_id)

    @extend_schema(
        tags=TAGS,
        operation_id="platform_communities_update",
        summary="Change a community's area cap, validation mode or boundary (platform staff)",
        description=(
            "Send only what changes; all of it is applied or nothing (CTY-2, CTY-4). "
            "`area_cap_lifted` lets a rural community cover more than 1 km² (false "
            "restores the cap: 400 when the boundary is larger). `boundary` redraws it, "
            "how staff resolve an overlap: it must stay valid, keep every member's home "
            "inside and overlap no other community (400 on `boundary`, the message names "
            "the community in the way). `validation_mode`: who decides the requests to "
            "join (a partner town hall's own choice still overrides it: "
            "`effective_validation_mode`)."
        ),
        parameters=[COMMUNITY_ID],
        request=CommunityUpdateSerializer,
        responses={200: PlatformCommunityDetailSerializer, 400: INVALID},
    )
    def patch(self, request, community_id: int):
        community = community_or_404(request.user, community_id)
        data = CommunityUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        by = request.user
        lifted = changes.get("area_cap_lifted")
        with transaction.atomic():
            # Lift the cap before a larger boundary; restore it after a smaller one.
            if lifted is True:
                with fields_renamed(area="area_cap_lifted"):
                    services.community_set_area_cap(by=by, community=community, lifted=True)
                community.area_cap_lifted = True
            if "boundary" in changes:
                with fields_renamed(area="boundary"):
                    community = services.community_set_boundary(
                        by=by, community=community, area=changes["boundary"]
                    )
            if lifted is False:
                with fields_renamed(area="area_cap_lifted"):
                    services.community_set_area_cap(by=by, community=community, lifted=False)
            if "validation_mode" in changes:
                services.community_set_validation_mode(
                    by=by, community=community, mode=changes["validation_mode"]
                )
        return self.output(community.pk)


# --- membership requests -------------------------------------------------------------------


class MembershipRequestListApi(generics.ListAPIView):
    permission_classes = STAFF_ONLY
    serializer_class = PlatformMembershipRequestSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.requests_for_platform_staff().select_related("user")

    def paginate_queryset(self, queryset):
        return with_applicant_cards(super().paginate_queryset(queryset) or [])

    @extend_schema(
        tags=TAGS,
        operation_id="platform_membership_requests_list",
        summary="List the requests to join waiting for the platform's staff",
        description=(
            "Pending requests escalated after 15 days without a référent's decision "
            "(CTY-5) and those of communities whose requests the platform's staff validate "
            "(CTY-4), the oldest first. Each person shows name, address and presentation."
        ),
        responses={200: PlatformMembershipRequestSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MembershipDecisionApi(APIView):
    permission_classes = STAFF_ONLY
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="platform_membership_requests_decide",
        summary="Accept or refuse a request to join (platform staff)",
        description=(
            "Any pending request, listed or not. A refusal needs a `reason` (400 on "
            "`reason`), sent to the person; an acceptance carries none. The person is told "
            "by email. 400 when the request was already decided or withdrawn."
        ),
        parameters=[REQUEST_ID],
        request=MembershipDecisionInputSerializer,
        responses={200: PlatformMembershipRequestSerializer, 400: INVALID},
    )
    def post(self, request, request_id: int):
        membership = (
            Membership.objects.select_related("user", "community__commune")
            .filter(pk=positive_id(request_id))
            .first()
        )
        if membership is None:
            raise Http404
        data = MembershipDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        accept = data.validated_data["accept"]
        membership = services.membership_decide(
            membership=membership,
            by=request.user,
            accept=accept,
            reason="" if accept else data.validated_data.get("reason", ""),
        )
        membership = Membership.objects.select_related("user", "community__commune").get(
            pk=membership.pk
        )
        (membership,) = with_applicant_cards([membership])
        return Response(PlatformMembershipRequestSerializer(membership).data)


# --- exclusions ----------------------------------------------------------------------------


class ExclusionListApi(generics.ListAPIView):
    permission_classes = STAFF_ONLY
    serializer_class = PlatformExclusionSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Exclusion.objects.none()
        status = self.request.query_params.get("status", "requested")
        if status not in EXCLUSION_STATUSES:
            raise serializers.ValidationError({"status": [_("Unknown status.")]})
        return exclusions(status)

    def paginate_queryset(self, queryset):
        return attach_exclusion_cards(self.request.user, super().paginate_queryset(queryset) or [])

    @extend_schema(
        tags=TAGS,
        operation_id="platform_exclusions_list",
        summary="List the exclusions (platform staff)",
        description=(
            "CTY-8. `status` (default `requested`): "
            + "; ".join(f"`{key}`: {text}" for key, text in EXCLUSION_STATUSES.items())
            + " The member and the référent who asked are shown as the platform's staff "
            "see them."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                str,
                OpenApiParameter.QUERY,
                enum=list(EXCLUSION_STATUSES),
                description="Which exclusions (default: requested).",
            )
        ],
        responses={200: PlatformExclusionSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def exclusion_or_404(pk) -> Exclusion:
    exclusion = selectors.exclusion(positive_id(pk))
    if exclusion is None:
        raise Http404
    return exclusion


def exclusion_output(request, exclusion: Exclusion) -> Response:
    row = (
        Exclusion.objects.select_related("community__commune").filter(pk=exclusion.pk).first()
        or exclusion
    )
    (row,) = attach_exclusion_cards(request.user, [row])
    return Response(PlatformExclusionSerializer(row).data)


class ExclusionDecisionApi(APIView):
    permission_classes = STAFF_ONLY
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="platform_exclusions_decide",
        summary="Execute or reject a request of exclusion (platform staff)",
        description=(
            "`execute: true`: the member leaves the community and is told by email; they "
            "may not ask to join it again until the exclusion is lifted. `false`: the "
            "request is rejected and the référent told. 400 when it was already decided."
        ),
        parameters=[EXCLUSION_ID],
        request=ExclusionDecisionSerializer,
        responses={200: PlatformExclusionSerializer, 400: INVALID},
    )
    def post(self, request, exclusion_id: int):
        exclusion = exclusion_or_404(exclusion_id)
        data = ExclusionDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with fields_renamed(staff_note="note"):
            exclusion = services.exclusion_decide(
                by=request.user,
                exclusion=exclusion,
                execute=data.validated_data["execute"],
                note=data.validated_data.get("note", ""),
            )
        return exclusion_output(request, exclusion)


class ExclusionLiftApi(APIView):
    permission_classes = STAFF_ONLY

    @extend_schema(
        tags=TAGS,
        operation_id="platform_exclusions_lift",
        summary="Lift an executed exclusion (platform staff)",
        description=(
            "The person may ask to join the community again. 400 unless the exclusion "
            "was executed and not lifted yet."
        ),
        parameters=[EXCLUSION_ID],
        request=None,
        responses={200: PlatformExclusionSerializer, 400: INVALID},
    )
    def post(self, request, exclusion_id: int):
        exclusion = services.exclusion_lift(
            by=request.user, exclusion=exclusion_or_404(exclusion_id)
        )
        return exclusion_output(request, exclusion)


urlpatterns = [
    path("communities/", CommunityListApi.as_view(), name="platform-community-list"),
    path(
        "communities/<int:community_id>/",
        CommunityDetailApi.as_view(),
        name="platform-community-detail",
    ),
    path(
        "membership-requests/",
        MembershipRequestListApi.as_view(),
        name="platform-membership-request-list",
    ),
    path(
        "membership-requests/<int:request_id>/decision/",
        MembershipDecisionApi.as_view(),
        name="platform-membership-request-decision",
    ),
    path("exclusions/", ExclusionListApi.as_view(), name="platform-exclusion-list"),
    path(
        "exclusions/<int:exclusion_id>/decision/",
        ExclusionDecisionApi.as_view(),
        name="platform-exclusion-decision",
    ),
    path(
        "exclusions/<int:exclusion_id>/lift/",
        ExclusionLiftApi.as_view(),
        name="platform-exclusion-lift",
    ),
]
