"""Following communes (ACC-9, ACC-10): a person's own follows, and the town hall's decisions.

* ``/api/v1/me/follows/``: the communes I follow (GET), follow one (POST: 201 for
  a new request, 200 when already pending or validated), stop following one
  (POST ``{commune_slug}/unfollow/`` with the password, seed 000).
* ``/api/v1/communes/{commune_slug}/follows/``: requests to follow the commune,
  for those who validate its residents (403 for anyone else), each person shown
  through the privacy matrix; ``{follow_id}/decision/`` accepts or refuses one.

Rules live in ``communes.services``; their ValidationErrors become 400s.
"""

from __future__ import annotations

import re

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from communes.models import Commune, Follow
from communes.selectors import access_follow, follows_of, follows_of_commune
from communes.services import (
    FOLLOW_REASON_MAX_LENGTH,
    follow_decide,
    follow_leave,
    follow_request,
)
from core.openapi import COMMUNE_SLUG
from privacy.matrix import attach_cards
from privacy.serializers import PersonSerializer

TAGS = ["follows"]
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")

FOLLOW_ID = OpenApiParameter(
    "follow_id",
    {"type": "integer", "minimum": 1},
    OpenApiParameter.PATH,
    description=_("Id of the request to follow the commune."),
)


def commune_or_404(slug: str) -> Commune:
    commune = Commune.objects.filter(slug=slug).first() if SLUG_RE.match(slug or "") else None
    if commune is None:
        raise Http404
    return commune


# --- serializers -------------------------------------------------------------------


class CommuneSlugField(serializers.SlugRelatedField):
    """A commune by slug; a value that is not a slug never reaches the database."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Commune.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG_RE.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:80])
        return super().to_internal_value(data)


class CommuneSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    hostname = serializers.CharField(read_only=True)


class FollowOutputSerializer(serializers.Serializer):
    """A request to follow a commune, as its author and the town hall see it.

    ``person`` comes from the privacy matrix: the author sees their own card, the
    town hall what it needs to decide (name, address, presentation).
    """

    id = serializers.IntegerField(read_only=True)
    commune = CommuneSummarySerializer(read_only=True)
    status = serializers.ChoiceField(choices=Follow.Status.choices, read_only=True)
    requested_at = serializers.DateTimeField(source="created_at", read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    reason = serializers.CharField(
        read_only=True, help_text=_("Reason for a refusal, if the town hall gave one.")
    )
    person = PersonSerializer(source="user_card", read_only=True)


class FollowCreateInputSerializer(serializers.Serializer):
    commune = CommuneSlugField(help_text=_("Slug of the commune to follow."))


class CommuneFollowFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Follow.Status.choices, required=False)


class DecisionInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text=_("true to validate, false to refuse."))
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=FOLLOW_REASON_MAX_LENGTH,
        help_text=_("Refusals only: the reason sent to the person."),
    )


# --- my follows --------------------------------------------------------------------


class MyFollowListCreateApi(generics.ListAPIView):
    """The communes you follow, with the status of each request (GET); follow one (POST)."""

    permission_classes = [IsAuthenticated]
    serializer_class = FollowOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Follow.objects.none()
        return follows_of(self.request.user)

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            args = (attach_cards(self.request.user, args[0], "user"),)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="me_follows_list",
        summary="List the communes you follow",
        responses={200: FollowOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="me_follows_create",
        summary="Follow a commune",
        description=(
            "Asks the town hall to validate you as a resident. 201: a new request "
            "(also after a refusal); 200: you already follow the commune or your "
            "request is pending (nothing changes)."
        ),
        request=FollowCreateInputSerializer,
        responses={201: FollowOutputSerializer, 200: FollowOutputSerializer},
    )
    def post(self, request, *args, **kwargs):
        data = FollowCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        follow, created = follow_request(user=request.user, commune=data.validated_data["commune"])
        follow = follows_of(request.user).get(pk=follow.pk)
        attach_cards(request.user, [follow], "user")
        return Response(
            FollowOutputSerializer(follow).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class UnfollowInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        help_text=_("Your current password, to confirm (as on the site)."),
    )


class MyUnfollowApi(APIView):
    """Stop following a commune, your password confirming it (404 if you do not follow it)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="me_follows_unfollow",
        summary="Stop following a commune (your password is asked)",
        description=(
            "The password confirms the act, as on the site (seed 000). Missing or wrong: "
            "400 with a message on `password`, and you still follow the commune. Wrong "
            "passwords count as failed logins: the fifth in a row locks the account (403) "
            "until a new password is chosen through the emailed link. An account without "
            "a password (made by staff) must choose one first (400 on `password`). This "
            "replaces `DELETE /api/v1/me/follows/{commune_slug}/`: a DELETE carries no "
            "portable body for the password."
        ),
        parameters=[COMMUNE_SLUG],
        request=UnfollowInputSerializer,
        responses={204: None},
    )
    def post(self, request, commune_slug: str):
        commune = commune_or_404(commune_slug)
        if not follows_of(request.user).filter(commune=commune).exists():
            raise Http404
        data = UnfollowInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        follow_leave(
            user=request.user,
            commune=commune,
            password=data.validated_data["password"],
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the town hall's side ------------------------------------------------------------


class CommuneFollowListApi(generics.ListAPIView):
    """Requests to follow the commune, oldest first, for those who validate its residents."""

    permission_classes = [IsAuthenticated]
    serializer_class = FollowOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Follow.objects.none()
        filters = CommuneFollowFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return follows_of_commune(
            commune=commune_or_404(self.kwargs["commune_slug"]),
            viewer=self.request.user,
            status=filters.validated_data.get("status"),
        )

    def get_serializer(self, *args, **kwargs):
        # People go through the privacy matrix: one query for the page.
        if args and kwargs.get("many"):
            args = (attach_cards(self.request.user, args[0], "user"),)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="commune_follows_list",
        summary="List the requests to follow the commune",
        parameters=[
            COMMUNE_SLUG,
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=Follow.Status.values,
                description=_("Only the requests in this status (pending: to decide)."),
            ),
        ],
        responses={200: FollowOutputSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class FollowDecisionApi(APIView):
    """Validate or refuse a pending request; the person is told by email."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="commune_follows_decide",
        summary="Validate or refuse a request to follow the commune",
        parameters=[COMMUNE_SLUG, FOLLOW_ID],
        request=DecisionInputSerializer,
        responses={200: FollowOutputSerializer},
    )
    def post(self, request, commune_slug: str, follow_id: int):
        commune = commune_or_404(commune_slug)
        follow = access_follow(viewer=request.user, pk=follow_id, commune=commune)
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        follow = follow_decide(
            follow=follow,
            by=request.user,
            accept=data.validated_data["accept"],
            reason=data.validated_data.get("reason", ""),
        )
        attach_cards(request.user, [follow], "user")
        return Response(FollowOutputSerializer(follow).data)


urlpatterns = [
    path("me/follows/", MyFollowListCreateApi.as_view(), name="me-follow-list"),
    path(
        "me/follows/<slug:commune_slug>/unfollow/",
        MyUnfollowApi.as_view(),
        name="me-follow-unfollow",
    ),
    path(
        "communes/<slug:commune_slug>/follows/",
        CommuneFollowListApi.as_view(),
        name="commune-follow-list",
    ),
    path(
        "communes/<slug:commune_slug>/follows/<int:follow_id>/decision/",
        FollowDecisionApi.as_view(),
        name="commune-follow-decision",
    ),
]
