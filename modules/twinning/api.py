"""REST API of twinnings, under /api/v1/communes/{commune_slug}/twinning/ (TWN-1, TWN-2).

The core's guard has already set ``request.commune`` from ``commune_slug`` (404
for an unknown commune or a module switched off).

* Members of a community of the commune: ``communities/{community_id}/twinnings/``
  (GET: active and pending twinnings). Anyone else, a pending member included,
  gets 404.
* Its référents: the same path in POST proposes a twinning;
  ``communities/{community_id}/candidates/`` lists the communities close enough;
  ``{twinning_id}/decision/`` accepts or refuses, ``{twinning_id}/end/`` ends
  (or withdraws a proposal). A member who is not a référent gets 403.
* The town hall of a partner commune (its mayor, its hosting partner's staff):
  ``town-hall/twin-all/`` twins every pair of its communities,
  ``town-hall/undo/`` ends the twinnings it made. Anyone else gets 403.

No person is ever part of an answer. Rules live in ``twinning.services``:
their ValidationErrors become 400s with field messages, their PermissionDenied
403s (``api.exceptions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ModuleEnabled
from api.v1.community_serializers import CommunityRefSerializer
from communities.models import Community
from communities.selectors import access_community_as_member, is_referent
from core.api_parsers import JSONParser
from core.openapi import COMMUNE_SLUG
from modules.twinning import services
from modules.twinning.models import Twinning
from modules.twinning.selectors import access_twinning, twinning_candidates, twinnings_of

MODULE_LABEL = "twinning"
TAGS = ["twinning"]

COMMUNITY_ID = OpenApiParameter(
    "community_id",
    {"type": "integer", "minimum": 1},
    OpenApiParameter.PATH,
    description="Id of your community (it must belong to the commune of the path).",
)
TWINNING_ID = OpenApiParameter(
    "twinning_id",
    {"type": "integer", "minimum": 1},
    OpenApiParameter.PATH,
    description="Id of the twinning.",
)


# --- serializers --------------------------------------------------------------


class TwinningSerializer(serializers.Serializer):
    """A twinning seen from one of its two communities (``context["community"]``)."""

    id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=Twinning.Status.choices, read_only=True)
    other_community = serializers.SerializerMethodField(
        help_text="The community twinned (or to be twinned) with yours."
    )
    proposed_by_us = serializers.SerializerMethodField(
        help_text="Whether your community made the proposal (false when the town hall did)."
    )
    awaiting_our_answer = serializers.SerializerMethodField(
        help_text="A proposal of the other community that a référent of yours may answer."
    )
    via_town_hall = serializers.BooleanField(
        read_only=True, help_text="Twinned by the partner town hall (TWN-2)."
    )
    proposed_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    ended_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def _community_id(self) -> int:
        return self.context["community"].pk

    @extend_schema_field(CommunityRefSerializer)
    def get_other_community(self, twinning) -> dict:
        return CommunityRefSerializer(twinning.other_side(self._community_id())).data

    def get_proposed_by_us(self, twinning) -> bool:
        return twinning.proposing_community_id == self._community_id()

    def get_awaiting_our_answer(self, twinning) -> bool:
        return (
            twinning.status == Twinning.Status.PROPOSED
            and twinning.proposing_community_id is not None
            and twinning.proposing_community_id != self._community_id()
        )


class TwinningProposeInputSerializer(serializers.Serializer):
    other = serializers.IntegerField(
        min_value=1,
        help_text="Id of the community to twin with (see `candidates/`).",
    )


class TwinningDecisionInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true to accept the twinning, false to decline.")


class TownHallResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        read_only=True, help_text="How many pairs of communities were twinned (or untwinned)."
    )


# --- helpers ------------------------------------------------------------------


def community_for_member(request, pk) -> Community:
    """The community ``pk`` of the path's commune, for its members; 404 otherwise."""
    community = access_community_as_member(request.user, pk)
    if community.commune_id != request.commune.pk:
        raise Http404
    return community


def referent_community(request, pk) -> Community:
    community = community_for_member(request, pk)
    if not is_referent(request.user, community):
        raise PermissionDenied(_("Only a référent of the community can do this."))
    return community


def twinning_for_member(request, pk) -> tuple[Twinning, Community]:
    return access_twinning(request.user, pk, commune=request.commune)


def output(twinning: Twinning, community: Community, *, status_code=status.HTTP_200_OK):
    twinning = Twinning.objects.select_related("community_a__commune", "community_b__commune").get(
        pk=twinning.pk
    )
    data = TwinningSerializer(twinning, context={"community": community}).data
    return Response(data, status=status_code)


if TYPE_CHECKING:
    _ApiBase = APIView  # mypy sees the API view the mixin is put before
else:
    _ApiBase = object


class TwinningApiMixin(_ApiBase):
    module_label = MODULE_LABEL
    permission_classes = [ModuleEnabled, IsAuthenticated]


# --- views --------------------------------------------------------------------


class CommunityTwinningsApi(TwinningApiMixin, generics.ListAPIView):
    """Twinnings of your community (GET); propose one (POST, référents)."""

    serializer_class = TwinningSerializer
    filter_backends: list = []
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Twinning.objects.none()
        self.community = community_for_member(self.request, self.kwargs["community_id"])
        return twinnings_of(self.community)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["community"] = getattr(self, "community", None)
        return context

    @extend_schema(
        tags=TAGS,
        operation_id="twinning_list",
        summary="List the twinnings of your community",
        description=(
            "Members of the community: active twinnings and proposals waiting for an "
            "answer. 404 for anyone else, a pending member included."
        ),
        parameters=[COMMUNE_SLUG, COMMUNITY_ID],
        responses={200: TwinningSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="twinning_propose",
        summary="Propose a twinning to a nearby community",
        description=(
            "Référents of the community (403 for another member). The other community "
            "must lie within the platform's twinning distance; only one proposal or "
            "twinning per pair. Its référents are notified."
        ),
        parameters=[COMMUNE_SLUG, COMMUNITY_ID],
        request=TwinningProposeInputSerializer,
        responses={201: TwinningSerializer},
    )
    def post(self, request, commune_slug: str, community_id: int):
        community = referent_community(request, community_id)
        data = TwinningProposeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        other = Community.objects.filter(pk=data.validated_data["other"]).first()
        if other is None:
            raise DjangoValidationError({"other": _("There is no community with this id.")})
        twinning = services.twinning_propose(by=request.user, community=community, other=other)
        return output(twinning, community, status_code=status.HTTP_201_CREATED)


class CandidatesApi(TwinningApiMixin, generics.ListAPIView):
    """Communities a référent may propose a twinning to."""

    serializer_class = CommunityRefSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Community.objects.none()
        community = referent_community(self.request, self.kwargs["community_id"])
        return twinning_candidates(community)

    @extend_schema(
        tags=TAGS,
        operation_id="twinning_candidates",
        summary="List the communities close enough to twin with",
        description=(
            "Référents of the community: nearest first, without those already twinned or "
            "proposed. 403 for another member, 404 for anyone else."
        ),
        parameters=[COMMUNE_SLUG, COMMUNITY_ID],
        responses={200: CommunityRefSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DecisionApi(TwinningApiMixin, APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="twinning_decide",
        summary="Accept or decline a twinning proposal",
        description=(
            "A référent of the community that was asked. 403 for anyone else who is a "
            "member of either community, 404 for the others."
        ),
        parameters=[COMMUNE_SLUG, TWINNING_ID],
        request=TwinningDecisionInputSerializer,
        responses={200: TwinningSerializer},
    )
    def post(self, request, commune_slug: str, twinning_id: int):
        twinning, community = twinning_for_member(request, twinning_id)
        data = TwinningDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        twinning = services.twinning_decide(
            by=request.user, twinning=twinning, accept=data.validated_data["accept"]
        )
        return output(twinning, community)


class EndApi(TwinningApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="twinning_end",
        summary="End a twinning (or withdraw a proposal)",
        description=(
            "A référent of either community ends an active twinning; the proposing side "
            "may withdraw a proposal not answered yet."
        ),
        parameters=[COMMUNE_SLUG, TWINNING_ID],
        request=None,
        responses={200: TwinningSerializer},
    )
    def post(self, request, commune_slug: str, twinning_id: int):
        twinning, community = twinning_for_member(request, twinning_id)
        twinning = services.twinning_end(by=request.user, twinning=twinning)
        return output(twinning, community)


class TownHallTwinAllApi(TwinningApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="twinning_town_hall_twin_all",
        summary="Twin all the communities of the commune",
        description=(
            "The town hall of a partner commune (its mayor, its hosting partner's staff): "
            "every pair of communities of the commune becomes twinned; pending proposals "
            "are accepted. 403 for anyone else."
        ),
        parameters=[COMMUNE_SLUG],
        request=None,
        responses={200: TownHallResultSerializer},
    )
    def post(self, request, commune_slug: str):
        count = services.commune_twin_all(by=request.user, commune=request.commune)
        return Response({"count": count})


class TownHallUndoApi(TwinningApiMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="twinning_town_hall_undo",
        summary="End the twinnings the town hall made",
        description=(
            "The town hall of a partner commune: ends every twinning made by "
            "`town-hall/twin-all/`; those agreed by référents stay. 403 for anyone else."
        ),
        parameters=[COMMUNE_SLUG],
        request=None,
        responses={200: TownHallResultSerializer},
    )
    def post(self, request, commune_slug: str):
        count = services.commune_untwin_all(by=request.user, commune=request.commune)
        return Response({"count": count})
