"""The platform staff's merges in the API (CTY-12): ``/api/v1/platform/merge-proposals/``.

What the Wagtail admin's "Merges" page does (``communities.admin_views.MergesView``):

* ``merge-proposals/``: every proposal, those every community agreed to first (they wait
  for the staff), then open, executed and cancelled ones; ``status`` filters;
* ``merge-proposals/{proposal_id}/execute/``: carry out an agreed merge (returns the kept
  community); 400 on ``area`` naming a community that shares no border with the others;
* ``merge-proposals/{proposal_id}/cancel/``.

Platform staff only: 401 without credentials, 403 for anyone else signed in, 404 for an
unknown id. Writes are ``communities.services`` calls; their ValidationErrors become 400s
by field (``api.exceptions``). People are shown through the privacy matrix.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.staff import is_platform_staff
from api.schema import VALIDATION
from api.v1.community_serializers import (
    CommunityRefSerializer,
    MergeProposalBaseSerializer,
    MergeSideSerializer,
)
from communities import selectors, services
from communities.models import MergeProposal
from core.ids import positive_id
from core.openapi import path_id
from privacy.matrix import cards_by_id, former_member_card
from privacy.serializers import PersonSerializer

TAGS = ["platform staff"]
PROPOSAL_ID = path_id("proposal_id", "Id of the merge proposal.")
INVALID = OpenApiResponse(VALIDATION, description="Invalid input: messages by field.")
NOT_FOUND = OpenApiResponse(description="No merge proposal has this id.")
FORBIDDEN = OpenApiResponse(description="Signed in, but not the platform's staff.")


class IsPlatformStaff(permissions.BasePermission):
    message = gettext_lazy("Only the platform's staff can do this.")

    def has_permission(self, request, view):
        return is_platform_staff(request.user)


STAFF_ONLY = [permissions.IsAuthenticated, IsPlatformStaff]


# --- serializers ---------------------------------------------------------------------------


class PlatformMergeSideSerializer(MergeSideSerializer):
    agreed_by = PersonSerializer(
        source="agreed_by_card",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The référent who agreed for this community (null: not yet)."),
    )


class PlatformMergeProposalSerializer(MergeProposalBaseSerializer):
    """A proposal as the platform's staff handle it: who proposed and who agreed."""

    sides = PlatformMergeSideSerializer(source="ordered_sides", many=True, read_only=True)
    proposed_by = PersonSerializer(source="proposed_by_card", read_only=True)


def attach_merge_cards(viewer, proposals: list[Any]) -> list[Any]:
    """The proposer's and the agreeing référents' cards, as ``viewer`` sees them."""
    cards = cards_by_id(
        viewer,
        [
            pk
            for proposal in proposals
            for pk in (proposal.proposed_by_id, *(s.agreed_by_id for s in proposal.ordered_sides))
        ],
    )
    for proposal in proposals:
        proposal.proposed_by_card = cards.get(proposal.proposed_by_id) or former_member_card()
        side: Any
        for side in proposal.ordered_sides:
            side.agreed_by_card = (
                (cards.get(side.agreed_by_id) or former_member_card()) if side.agreed else None
            )
    return proposals


def proposal_or_404(pk) -> MergeProposal:
    proposal = selectors.merge_proposals().filter(pk=positive_id(pk)).first()
    if proposal is None:
        raise Http404
    return proposal


def proposal_output(request, pk: int) -> Response:
    (proposal,) = attach_merge_cards(request.user, [selectors.merge_proposals().get(pk=pk)])
    return Response(PlatformMergeProposalSerializer(proposal).data)


# --- views ---------------------------------------------------------------------------------


class PlatformMergeListApi(generics.ListAPIView):
    permission_classes = STAFF_ONLY
    serializer_class = PlatformMergeProposalSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MergeProposal.objects.none()
        status = self.request.query_params.get("status", "")
        if status and status not in MergeProposal.Status.values:
            raise serializers.ValidationError({"status": [_("Unknown status.")]})
        return selectors.merge_proposals_for_staff(status)

    def paginate_queryset(self, queryset):
        return attach_merge_cards(self.request.user, super().paginate_queryset(queryset) or [])

    @extend_schema(
        tags=TAGS,
        operation_id="platform_merges_list",
        summary="List the merge proposals (platform staff)",
        description=(
            "CTY-12. Proposals every community agreed to come first (they wait for you), "
            "then open, executed and cancelled ones, oldest first within each. `status` "
            "filters: `agreed`, `open`, `executed` or `cancelled`. Each proposal lists its "
            "`sides` (the kept community first) with the référent who agreed."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                str,
                OpenApiParameter.QUERY,
                enum=list(MergeProposal.Status.values),
                description="Only the proposals in this status.",
            )
        ],
        responses={
            200: PlatformMergeProposalSerializer(many=True),
            400: INVALID,
            403: FORBIDDEN,
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PlatformMergeExecuteApi(APIView):
    permission_classes = STAFF_ONLY

    @extend_schema(
        tags=TAGS,
        operation_id="platform_merges_execute",
        summary="Execute a merge (platform staff)",
        description=(
            "CTY-12. Only once every community agreed (400 otherwise). Members, history, "
            "exclusions, invitations and the modules' content of every community merged "
            "away move to the kept community, whose boundary becomes the union of all: it "
            "must be one polygon (400 on `area` naming a community that shares no border "
            "with the others) within the area cap. Returns the kept community."
        ),
        parameters=[PROPOSAL_ID],
        request=None,
        responses={200: CommunityRefSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request, proposal_id: int):
        kept = services.merge_execute(by=request.user, proposal=proposal_or_404(proposal_id))
        return Response(CommunityRefSerializer(kept).data)


class PlatformMergeCancelApi(APIView):
    permission_classes = STAFF_ONLY

    @extend_schema(
        tags=TAGS,
        operation_id="platform_merges_cancel",
        summary="Cancel a merge proposal (platform staff)",
        description="CTY-12. An open or agreed proposal (400 once executed or cancelled).",
        parameters=[PROPOSAL_ID],
        request=None,
        responses={
            200: PlatformMergeProposalSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, proposal_id: int):
        proposal = services.merge_cancel(by=request.user, proposal=proposal_or_404(proposal_id))
        return proposal_output(request, proposal.pk)


urlpatterns = [
    path("merge-proposals/", PlatformMergeListApi.as_view(), name="platform-merge-list"),
    path(
        "merge-proposals/<int:proposal_id>/execute/",
        PlatformMergeExecuteApi.as_view(),
        name="platform-merge-execute",
    ),
    path(
        "merge-proposals/<int:proposal_id>/cancel/",
        PlatformMergeCancelApi.as_view(),
        name="platform-merge-cancel",
    ),
]
