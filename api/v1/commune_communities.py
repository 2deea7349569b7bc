"""A partner town hall's communities and their référents (COM-2), under /api/v1/communes/.

* ``GET /api/v1/communes/{commune_slug}/communities/``: the neighbourhood communities of
  the commune (id, name, member count, creation date) with their référents (``id``,
  ``name``), for holders of ``contact_referents`` on that *partner* commune: its police
  and its mayor (``communes.roles``), the hosting partner's staff, superusers. The
  référent is "l'interlocuteur privilégié de la Mairie et des forces de l'ordre" (seed
  003): the name to know whom to write to, and the id to write through the platform
  (``POST /api/v1/messages/referents/``); never an e-mail address nor a phone (PRIV).
* 401 without credentials, 404 for an unknown commune, 403 for anyone else signed in,
  and 403 with a message for a commune that is not a partner.

Paginated like the other lists (``page``, ``page_size``); two queries for a page
whatever its length (the communities, then their référents).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from api.v1.follows import commune_or_404
from communes.roles import CONTACT_REFERENTS
from communes.selectors import commune_permission
from communities.models import Community
from communities.selectors import communities_of_commune, referents_by_community
from core.openapi import COMMUNE_SLUG

if TYPE_CHECKING:
    from communes.models import Commune

TAGS = ["town-hall"]


class ReferentSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Id of the person: `referent` to write to them.")
    )
    name = serializers.CharField(read_only=True, help_text=gettext_lazy("First and last name."))


class TownHallCommunitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    referents = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The référents of the community, by name: write to them through "
            "POST /api/v1/messages/referents/ (their e-mail addresses stay private)."
        )
    )

    @extend_schema_field(ReferentSerializer(many=True))
    def get_referents(self, community: Community) -> list[dict]:
        people = self.context.get("referents", {}).get(community.pk, [])
        return [{"id": person.pk, "name": person.get_full_name()} for person in people]


def contacting_commune(user, slug: str) -> Commune:
    """The partner commune of ``slug`` whose référents ``user`` may reach: 404 unknown,
    403 not a partner (with a message) or not theirs."""
    commune = commune_or_404(slug)
    if not commune_permission(user, commune, CONTACT_REFERENTS):
        raise PermissionDenied
    if not commune.is_partner:
        raise PermissionDenied(
            _(
                "%(commune)s is not a partner town hall: its communities' référents are not "
                "listed for it."
            )
            % {"commune": commune.name}
        )
    return commune


class TownHallCommunityListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = TownHallCommunitySerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Community.objects.none()
        commune = contacting_commune(self.request.user, self.kwargs["commune_slug"])
        return communities_of_commune(commune)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.referents = referents_by_community(page or [])
        return page

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "referents": getattr(self, "referents", {})}

    @extend_schema(
        tags=TAGS,
        operation_id="town_hall_communities_list",
        summary="The commune's communities and their référents",
        description=(
            "For the police and the mayor of a partner commune (``contact_referents``), the "
            "hosting partner's staff and superusers: each community (by name) with its "
            "référents' names and ids, to write to them through the platform. 403 for anyone "
            "else signed in, and with a message for a commune that is not a partner; 404 for "
            "an unknown commune."
        ),
        parameters=[COMMUNE_SLUG],
        responses={200: TownHallCommunitySerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path(
        "<slug:commune_slug>/communities/",
        TownHallCommunityListApi.as_view(),
        name="town-hall-communities",
    ),
]
