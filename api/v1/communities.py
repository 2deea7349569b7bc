"""Neighbourhood communities in the API (CTY-1…CTY-13).

* Public: ``/api/v1/communities/`` (list, filters ``country``, ``commune``,
  ``near`` + ``distance``), ``{community_id}/`` (with its boundary) and
  ``covering/?lon=&lat=``. Nothing personal: a member count, never a member.
* The caller's own place: ``/api/v1/me/community/`` (GET; DELETE withdraws a
  pending request or leaves) and ``{community_id}/membership-requests/`` (POST).
* Members only (404 for anyone else, a pending member included: CTY-4):
  ``members/`` and ``history/``, every person through the privacy matrix.
* Those who decide (référents in "by a référent" mode, platform staff): the
  pending requests and their ``decision/``; a member who may not decide gets
  403, anyone else 404. Référents: ``referents/``, ``exclusion-requests/``,
  ``merge-proposals/``; members: ``invitations/``.

Rules live in ``communities.services``: their ValidationErrors become 400s
with field messages, their PermissionDenied 403s (``api.exceptions``). Reads,
who may see a community (``selectors.access_community``) and the ``can_<verb>``
rules are ``communities.selectors``, shared with the site and the admin.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import VALIDATION
from api.v1.community_serializers import (
    CommunityCreateInputSerializer,
    CommunityDetailSerializer,
    CommunityFilterSerializer,
    CommunitySerializer,
    CommunityUpdateInputSerializer,
    ExclusionInputSerializer,
    ExclusionSerializer,
    HistoryEntrySerializer,
    InvitationInputSerializer,
    InvitationSerializer,
    MemberSerializer,
    MembershipDecisionInputSerializer,
    MembershipRequestSerializer,
    MergeProposalSerializer,
    MergeProposeInputSerializer,
    MyCommunitySerializer,
    PointQuerySerializer,
    ReferentChangeInputSerializer,
)
from communities import selectors, services
from communities.models import Community, Membership, MergeProposal
from core.api_parsers import JSONParser
from core.openapi import path_id
from core.types import StrOrPromise
from privacy.matrix import (
    applicant_card,
    build_card,
    cards_by_id,
    former_member_card,
    person_card,
    relations_of,
    with_relations,
)

TAGS = ["communities"]

COMMUNITY_ID = path_id("community_id", "Id of the community.")
REQUEST_ID = path_id("request_id", "Id of the request to join the community.")
PROPOSAL_ID = path_id("proposal_id", "Id of the merge proposal.")
INVALID = OpenApiResponse(VALIDATION, description="Invalid input: messages by field.")
NOT_FOUND = OpenApiResponse(description="Not found, or not visible to you.")
CANNOT_DECIDE = gettext_lazy("You cannot decide on requests to join this community.")
ONLY_REFERENTS = gettext_lazy("Only a référent of the community can do this.")


# --- helpers -----------------------------------------------------------------------------


def community_for(user, pk, *, as_: str, refusal: StrOrPromise) -> Community:
    """``selectors.access_community(user, pk, as_=as_)``, except that a member of the
    community who lacks the role gets 403 with ``refusal`` instead of 404: a member
    learns why; anyone else, a pending member included, learns nothing (CTY-4)."""
    try:
        return selectors.access_community(user, pk, as_=as_)
    except Http404:
        if selectors.is_member(user, pk):
            raise PermissionDenied(str(refusal)) from None
        raise


def public_community(user, pk) -> Community:
    """Any community, with what the public serializers read (404 when there is none)."""
    return selectors.access_community(
        user, pk, as_=selectors.PUBLIC, queryset=selectors.public_communities()
    )


def person_or_400(pk: int, field: str = "member"):
    person = selectors.open_account(pk)
    if person is None:
        raise DjangoValidationError({field: _("This person is not a member of the community.")})
    return person


@contextmanager
def fields_renamed(**names):
    """Report a service's errors under the API's field names (``area`` → ``boundary``)."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise DjangoValidationError(
                {names.get(field, field): errors for field, errors in exc.error_dict.items()}
            ) from exc
        raise


def member_entry(person) -> dict:
    """A directory entry from a person annotated with relations (``with_relations``) and
    ``is_referent`` (``members_of``): no query."""
    return {"person": build_card(person, relations_of(person)), "is_referent": person.is_referent}


def my_community_data(user) -> dict:
    """The caller's pending request or membership, and their last request if refused."""
    current = selectors.current_membership(user)
    latest = selectors.last_membership(user)
    refusal = None
    if latest is not None and latest.status == Membership.Status.REFUSED:
        refusal = {
            "community": latest.community,
            "reason": latest.refusal_reason,
            "decided_at": latest.decided_at,
        }
    return {
        "status": current.status if current else "none",
        "community": current.community if current else None,
        "is_referent": bool(current and current.is_referent),
        "requested_at": current.requested_at if current else None,
        "decided_at": current.decided_at if current else None,
        "last_refusal": refusal,
    }


class PublicReadMixin:
    """Anyone reads; writing needs an account (token or the site's session)."""

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]


# --- public: list, detail, covering ------------------------------------------------------


class CommunityListCreateApi(PublicReadMixin, generics.ListAPIView):
    """Communities by country, commune or distance, with their member count (CTY-3)."""

    serializer_class = CommunitySerializer
    filter_backends: list = []
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Community.objects.none()
        filters = CommunityFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return selectors.public_communities(
            country=data.get("country", ""),
            commune=data.get("commune"),
            near=data.get("near"),
            meters=data.get("distance", settings.COMMUNITY_NEAR_METERS),
        )

    @extend_schema(
        tags=TAGS,
        operation_id="communities_list",
        summary="List the communities",
        description=(
            "Public. Alphabetical by country, commune and name; with `near`, nearest first "
            "within `distance` metres (default "
            f"{settings.COMMUNITY_NEAR_METERS}, at most 20000). No person is listed."
        ),
        parameters=[
            OpenApiParameter(
                "country",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="ISO code of the country (FR, CI…).",
            ),
            OpenApiParameter(
                "commune",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="Slug of the commune.",
            ),
            OpenApiParameter(
                "near",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="A point as longitude,latitude (WGS 84): -2.0255,48.6493.",
            ),
            OpenApiParameter(
                "distance",
                {"type": "integer", "minimum": 1, "maximum": 20000},
                OpenApiParameter.QUERY,
                description="Metres around `near`.",
            ),
        ],
        responses={200: CommunitySerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="communities_create",
        summary="Create a community",
        description=(
            "For a resident validated by the town hall whose home no community covers "
            "(CTY-1, CTY-2): the boundary must be valid, contain your home, cover at most "
            "1 km² and overlap no other community (the message names it). You become its "
            "référent. 403 when the town hall has not validated you."
        ),
        request=CommunityCreateInputSerializer,
        responses={201: CommunityDetailSerializer},
    )
    def post(self, request, *args, **kwargs):
        data = CommunityCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with fields_renamed(area="boundary"):
            community = services.community_create(
                user=request.user,
                commune=data.validated_data["commune"],
                name=data.validated_data["name"],
                area=data.validated_data["boundary"],
            )
        community = public_community(request.user, community.pk)
        return Response(
            CommunityDetailSerializer(community, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CommunityDetailApi(PublicReadMixin, APIView):
    """One community, with its boundary (GET, public); its référents edit it (PATCH)."""

    parser_classes = [JSONParser]

    def output(self, pk) -> Response:
        community = public_community(self.request.user, pk)
        return Response(
            CommunityDetailSerializer(community, context={"request": self.request}).data
        )

    @extend_schema(
        tags=TAGS,
        operation_id="communities_retrieve",
        summary="Read one community",
        description="Public: name, commune, member count, presentation and boundary.",
        parameters=[COMMUNITY_ID],
        responses={200: CommunityDetailSerializer},
    )
    def get(self, request, community_id: int):
        return self.output(community_id)

    @extend_schema(
        tags=TAGS,
        operation_id="communities_update",
        summary="Rename the community or change its public page",
        description=(
            "Référents only (CTY-11, CTY-12): `name`, `presentation` (at most 1,000 "
            "characters) and `show_photo` (your photo on the public page). Send only what "
            "changes."
        ),
        parameters=[COMMUNITY_ID],
        request=CommunityUpdateInputSerializer,
        responses={200: CommunityDetailSerializer},
    )
    def patch(self, request, community_id: int):
        community = selectors.access_community(request.user, community_id, as_=selectors.PUBLIC)
        data = CommunityUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        with transaction.atomic():
            if "name" in changes:
                community = services.community_rename(
                    by=request.user, community=community, name=changes["name"]
                )
            if "presentation" in changes or "show_photo" in changes or not changes:
                services.community_update_showcase(
                    by=request.user,
                    community=community,
                    presentation=changes.get("presentation", community.presentation),
                    show_photo=changes.get("show_photo"),
                )
        return self.output(community.pk)


class CommunityCoveringApi(APIView):
    """The community whose boundary contains a point (404 when none does)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="communities_covering",
        summary="Find the community covering a point",
        parameters=[
            OpenApiParameter(
                "lon",
                {"type": "number", "minimum": -180, "maximum": 180},
                OpenApiParameter.QUERY,
                required=True,
                description="Longitude (WGS 84).",
            ),
            OpenApiParameter(
                "lat",
                {"type": "number", "minimum": -90, "maximum": 90},
                OpenApiParameter.QUERY,
                required=True,
                description="Latitude (WGS 84).",
            ),
        ],
        responses={200: CommunityDetailSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request):
        point = PointQuerySerializer(data=request.query_params)
        point.is_valid(raise_exception=True)
        community = selectors.community_covering(
            (point.validated_data["lon"], point.validated_data["lat"])
        )
        if community is None:
            raise Http404
        community = public_community(request.user, community.pk)
        return Response(CommunityDetailSerializer(community, context={"request": request}).data)


# --- the caller's own place --------------------------------------------------------------


class MyCommunityApi(APIView):
    """Your community or pending request (GET); withdraw the request or leave (DELETE)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="me_community_retrieve",
        summary="Read your community",
        description=(
            "`status` is `member`, `pending` (your request awaits a decision) or `none`. "
            "`last_refusal` carries the reason when your last request was refused."
        ),
        responses={200: MyCommunitySerializer},
    )
    def get(self, request):
        return Response(MyCommunitySerializer(my_community_data(request.user)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="me_community_leave",
        summary="Withdraw your request or leave your community",
        description=(
            "A pending request is withdrawn; a member leaves (CTY-6). The last référent "
            "of a community with other members must hand the role over first (400). 404 "
            "when you have neither."
        ),
        request=None,
        responses={204: None, 400: INVALID, 404: NOT_FOUND},
    )
    def delete(self, request):
        current = selectors.current_membership(request.user)
        if current is None:
            raise Http404
        if current.status == Membership.Status.PENDING:
            if not services.membership_withdraw(user=request.user):
                raise Http404
        else:
            services.membership_leave(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- requests to join ----------------------------------------------------------------------


class MembershipRequestListCreateApi(generics.ListAPIView):
    """Pending requests, oldest first, for those who decide (GET); ask to join (POST)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MembershipRequestSerializer
    filter_backends: list = []
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        community = community_for(
            self.request.user,
            self.kwargs["community_id"],
            as_=selectors.DECIDER,
            refusal=CANNOT_DECIDE,
        )
        return selectors.pending_requests(community)

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            requests = list(args[0])
            for membership in requests:
                membership.user_card = applicant_card(membership.user)
                membership.escalated = membership.escalated_at is not None
            args = (requests,)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="community_requests_list",
        summary="List the requests to join the community",
        description=(
            "For those who decide (CTY-4): its référents when the community's requests are "
            "validated by a référent, and the platform's staff. Each person shows name, "
            "address and presentation. 403 for another member, 404 for anyone else."
        ),
        parameters=[COMMUNITY_ID],
        responses={200: MembershipRequestSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="community_requests_create",
        summary="Ask to join the community",
        description=(
            "Your home must lie inside the boundary and the town hall must have validated "
            "you (403 otherwise). One community per account (CTY-6): 400 when you belong "
            "to or asked to join another. 201 for a new request; 200 when you already asked "
            "to join this community or belong to it."
        ),
        parameters=[COMMUNITY_ID],
        request=None,
        responses={201: MyCommunitySerializer, 200: MyCommunitySerializer},
    )
    def post(self, request, community_id: int):
        community = selectors.access_community(request.user, community_id, as_=selectors.PUBLIC)
        existed = selectors.membership_in(request.user, community) is not None
        services.membership_request(user=request.user, community=community)
        return Response(
            MyCommunitySerializer(my_community_data(request.user)).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class MembershipDecisionApi(APIView):
    """Accept or refuse a pending request; a refusal carries a reason (CTY-4)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="community_requests_decide",
        summary="Accept or refuse a request to join",
        description="The person is told by email; a refusal needs a reason, sent to them.",
        parameters=[COMMUNITY_ID, REQUEST_ID],
        request=MembershipDecisionInputSerializer,
        responses={200: MembershipRequestSerializer},
    )
    def post(self, request, community_id: int, request_id: int):
        community = community_for(
            request.user, community_id, as_=selectors.DECIDER, refusal=CANNOT_DECIDE
        )
        membership = selectors.request_of(community, request_id)
        if membership is None:
            raise Http404
        data = MembershipDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_decide(
            membership=membership,
            by=request.user,
            accept=data.validated_data["accept"],
            reason=data.validated_data.get("reason", ""),
        )
        # Read by the serializer (not model fields).
        membership.user_card = applicant_card(membership.user)  # type: ignore[attr-defined]  # a display attribute, not a model field
        membership.escalated = membership.escalated_at is not None  # type: ignore[attr-defined]  # a display attribute, not a model field
        return Response(MembershipRequestSerializer(membership, context={"request": request}).data)


# --- members only -----------------------------------------------------------------------------


class MemberListApi(generics.ListAPIView):
    """The directory of members, référents first (CTY-13), through the privacy matrix."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MemberSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return get_user_model().objects.none()
        community = selectors.access_community(self.request.user, self.kwargs["community_id"])
        return with_relations(self.request.user, selectors.members_of(community))

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            args = ([member_entry(person) for person in args[0]],)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="community_members_list",
        summary="List the members of your community",
        description=(
            "Members only: 404 for anyone else, a pending member included. Each person is "
            "shown as the privacy matrix lets a member of the same community see them "
            "(phones unless hidden, address; never the email)."
        ),
        parameters=[COMMUNITY_ID],
        responses={200: MemberSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class HistoryListApi(generics.ListAPIView):
    """Arrivals, departures, exclusions and role changes, newest first (CTY-9)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = HistoryEntrySerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Community.objects.none()
        community = selectors.access_community(self.request.user, self.kwargs["community_id"])
        return selectors.history_of(community)

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            entries = list(args[0])
            cards = cards_by_id(
                self.request.user,
                [e.person_id for e in entries] + [e.actor_id for e in entries],
            )
            for entry in entries:
                for attr in ("person", "actor"):
                    pk = getattr(entry, f"{attr}_id")
                    card = None if pk is None else cards.get(pk) or former_member_card()
                    setattr(entry, f"{attr}_card", card)
            args = (entries,)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="community_history_list",
        summary="Read the history of your community",
        description="Members only: 404 for anyone else, a pending member included.",
        parameters=[COMMUNITY_ID],
        responses={200: HistoryEntrySerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- référents, exclusions, invitations ---------------------------------------------------------


class ReferentChangeApi(APIView):
    """Grant, transfer, give up or remove the référent role (CTY-7)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="community_referents_change",
        summary="Change the référents of the community",
        description=(
            "Référents only. `grant`: make `member` référent; `transfer`: hand your role "
            "over to `member`; `give_up`: stop being référent (another référent must "
            "remain); `remove`: remove the role from the référent `member`. A community "
            "always keeps at least one référent. Answers the member concerned."
        ),
        parameters=[COMMUNITY_ID],
        request=ReferentChangeInputSerializer,
        responses={200: MemberSerializer},
    )
    def post(self, request, community_id: int):
        community = selectors.access_community(request.user, community_id, as_=selectors.PUBLIC)
        data = ReferentChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = data.validated_data["action"]
        if action == "give_up":
            membership = services.referent_give_up(by=request.user, community=community)
        else:
            person = person_or_400(data.validated_data["member"])
            change = {
                "grant": services.referent_grant,
                "transfer": services.referent_transfer,
                "remove": services.referent_remove,
            }[action]
            membership = change(by=request.user, community=community, user=person)
        person = (
            with_relations(request.user, selectors.members_of(community))
            .filter(pk=membership.user_id)
            .first()
        )
        if person is None:  # pragma: no cover - the member left in between
            raise Http404
        return Response(MemberSerializer(member_entry(person), context={"request": request}).data)


class ExclusionRequestApi(APIView):
    """A référent asks the platform's staff to exclude a member (CTY-8)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="community_exclusion_requests_create",
        summary="Ask for the exclusion of a member",
        description=(
            "Référents only. The platform's staff read the reason, decide and execute; the "
            "member stays until then."
        ),
        parameters=[COMMUNITY_ID],
        request=ExclusionInputSerializer,
        responses={201: ExclusionSerializer},
    )
    def post(self, request, community_id: int):
        community = selectors.access_community(request.user, community_id, as_=selectors.PUBLIC)
        data = ExclusionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = person_or_400(data.validated_data["member"])
        exclusion = services.exclusion_request(
            by=request.user,
            community=community,
            member=member,
            reason=data.validated_data["reason"],
        )
        exclusion.member_card = person_card(request.user, member)  # type: ignore[attr-defined]  # for the serializer
        return Response(
            ExclusionSerializer(exclusion, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class InvitationApi(APIView):
    """A member invites a neighbour by email or SMS (CTY-10)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="community_invitations_create",
        summary="Invite a neighbour",
        description=(
            "Members only. The message carries a link to register; it registers nobody. "
            "The address or number is not kept. A limited number of invitations per day, "
            "and one per person per day (400 beyond)."
        ),
        parameters=[COMMUNITY_ID],
        request=InvitationInputSerializer,
        responses={201: InvitationSerializer},
    )
    def post(self, request, community_id: int):
        community = selectors.access_community(request.user, community_id, as_=selectors.PUBLIC)
        data = InvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_send(
            by=request.user,
            community=community,
            channel=data.validated_data["channel"],
            recipient=data.validated_data["recipient"],
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


# --- merges -------------------------------------------------------------------------------------


class MergeProposalListCreateApi(generics.ListAPIView):
    """Open merge proposals of the community (GET); propose one (POST) (CTY-12)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MergeProposalSerializer
    filter_backends: list = []
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MergeProposal.objects.none()
        community = community_for(
            self.request.user,
            self.kwargs["community_id"],
            as_=selectors.REFERENT_OR_STAFF,
            refusal=ONLY_REFERENTS,
        )
        return selectors.open_merge_proposals(community)

    @extend_schema(
        tags=TAGS,
        operation_id="community_merge_proposals_list",
        summary="List the open merge proposals of the community",
        description=(
            "Référents of the community and the platform's staff: proposals waiting for "
            "either side or for the platform's staff. 403 for another member, 404 for "
            "anyone else."
        ),
        parameters=[COMMUNITY_ID],
        responses={200: MergeProposalSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="community_merge_proposals_create",
        summary="Propose to merge communities",
        description=(
            "Référents only. `absorbed`: ids of the communities merged away (this one "
            "included when another is kept); `kept`: the community that remains, this one "
            "by default. 2 to 6 communities in all, of the same commune, none already in "
            "an open or agreed proposal (400 on the field naming it). Your side agrees at "
            "once; a référent of every other community agrees next, then the platform's "
            "staff merge. Deprecated form, still read: `other` (one community) and `keep` "
            "(`this` or `other`), errors on `other`."
        ),
        parameters=[COMMUNITY_ID],
        request=MergeProposeInputSerializer,
        responses={
            201: MergeProposalSerializer,
            400: INVALID,
            403: OpenApiResponse(description="A member of the community who is not its référent."),
            404: NOT_FOUND,
        },
    )
    def post(self, request, community_id: int):
        community = selectors.access_community(request.user, community_id, as_=selectors.PUBLIC)
        data = MergeProposeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "other" in values:
            other = _merge_community(request.user, values["other"], "other")
            proposal = services.merge_propose(
                by=request.user, community=community, other=other, keep=values["keep"]
            )
        else:
            kept = (
                _merge_community(request.user, values["kept"], "kept")
                if values.get("kept") is not None
                else community
            )
            absorbed = [_merge_community(request.user, pk, "absorbed") for pk in values["absorbed"]]
            proposal = services.merge_propose(
                by=request.user, community=community, kept=kept, absorbed=absorbed
            )
        proposal = selectors.merge_proposals().get(pk=proposal.pk)
        return Response(MergeProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


def _merge_community(user, pk: int, field: str) -> Community:
    try:
        return selectors.access_community(user, pk, as_=selectors.PUBLIC)
    except Http404:
        raise DjangoValidationError({field: _("There is no community with this id.")}) from None


class MergeAgreeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="merge_proposals_agree",
        summary="Agree to a merge proposal",
        description=(
            "A référent of a community of the proposal that has not agreed yet. Once every "
            "community agreed, the platform's staff merge them. 403 for a référent whose "
            "side already agreed, 404 for anyone who is no référent of its communities."
        ),
        parameters=[PROPOSAL_ID],
        request=None,
        responses={
            200: MergeProposalSerializer,
            400: INVALID,
            403: OpenApiResponse(description="Your community already agreed."),
            404: NOT_FOUND,
        },
    )
    def post(self, request, proposal_id: int):
        proposal = services.merge_agree(
            by=request.user, proposal=selectors.access_merge_proposal(request.user, proposal_id)
        )
        return Response(
            MergeProposalSerializer(selectors.merge_proposals().get(pk=proposal.pk)).data
        )


class MergeCancelApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="merge_proposals_cancel",
        summary="Cancel a merge proposal",
        description=(
            "A référent of any of its communities, before the platform's staff merge; 404 "
            "for anyone else."
        ),
        parameters=[PROPOSAL_ID],
        request=None,
        responses={200: MergeProposalSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request, proposal_id: int):
        proposal = services.merge_cancel(
            by=request.user, proposal=selectors.access_merge_proposal(request.user, proposal_id)
        )
        return Response(
            MergeProposalSerializer(selectors.merge_proposals().get(pk=proposal.pk)).data
        )


urlpatterns = [
    path("communities/", CommunityListCreateApi.as_view(), name="community-list"),
    path("communities/covering/", CommunityCoveringApi.as_view(), name="community-covering"),
    path("communities/<int:community_id>/", CommunityDetailApi.as_view(), name="community-detail"),
    path(
        "communities/<int:community_id>/membership-requests/",
        MembershipRequestListCreateApi.as_view(),
        name="community-request-list",
    ),
    path(
        "communities/<int:community_id>/membership-requests/<int:request_id>/decision/",
        MembershipDecisionApi.as_view(),
        name="community-request-decision",
    ),
    path(
        "communities/<int:community_id>/members/",
        MemberListApi.as_view(),
        name="community-member-list",
    ),
    path(
        "communities/<int:community_id>/history/",
        HistoryListApi.as_view(),
        name="community-history",
    ),
    path(
        "communities/<int:community_id>/referents/",
        ReferentChangeApi.as_view(),
        name="community-referents",
    ),
    path(
        "communities/<int:community_id>/exclusion-requests/",
        ExclusionRequestApi.as_view(),
        name="community-exclusion-requests",
    ),
    path(
        "communities/<int:community_id>/invitations/",
        InvitationApi.as_view(),
        name="community-invitations",
    ),
    path(
        "communities/<int:community_id>/merge-proposals/",
        MergeProposalListCreateApi.as_view(),
        name="community-merge-proposals",
    ),
    path(
        "merge-proposals/<int:proposal_id>/agree/",
        MergeAgreeApi.as_view(),
        name="merge-proposal-agree",
    ),
    path(
        "merge-proposals/<int:proposal_id>/cancel/",
        MergeCancelApi.as_view(),
        name="merge-proposal-cancel",
    ),
    path("me/community/", MyCommunityApi.as_view(), name="me-community"),
]
