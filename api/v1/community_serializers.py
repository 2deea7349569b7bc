"""Serializers of the communities API (CTY-1…CTY-13), used by ``api.v1.communities``.

Input serializers only check shapes and types; the rules (who may, overlap,
area, one community per account…) are in ``communities.services``. Every person
is a ``privacy.matrix.PersonCard`` serialised by ``PersonSerializer``.
"""

from __future__ import annotations

import math

from django.contrib.gis.geos import GEOSException, LinearRing, Polygon
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from api.v1.follows import CommuneSlugField
from communities.geo import MAX_VERTICES
from communities.models import (
    PRESENTATION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    HistoryEntry,
    Invitation,
    Membership,
    MergeProposal,
)
from communities.services import NAME_MAX_LENGTH
from core.api_fields import StrictBooleanField, StrictCharField, StrictIntegerField
from core.countries import COUNTRY_CHOICES
from privacy.serializers import PersonSerializer

# --- shared fields --------------------------------------------------------------------


POSITION_SCHEMA = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 3,
    "description": "[longitude, latitude] in WGS 84 (an altitude is ignored).",
}
RING_SCHEMA = {"type": "array", "items": POSITION_SCHEMA, "minItems": 4}
POLYGON_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon"]},
        "coordinates": {"type": "array", "items": RING_SCHEMA, "minItems": 1},
    },
    "required": ["type", "coordinates"],
}
BOUNDARY_INPUT_SCHEMA = {
    "type": "object",
    "description": (
        "GeoJSON geometry in WGS 84: a Polygon (first ring the outline, closed), a "
        "MultiPolygon holding one polygon, or a Feature whose geometry is one of them."
    ),
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon", "Feature"]},
        "coordinates": {"type": "array"},
        "geometry": {"type": "object"},
    },
    "required": ["type"],
    "example": {
        "type": "Polygon",
        "coordinates": [
            [
                [-2.0282, 48.6475],
                [-2.0228, 48.6475],
                [-2.0228, 48.6511],
                [-2.0282, 48.6511],
                [-2.0282, 48.6475],
            ]
        ],
    },
}


def _unreadable():
    return serializers.ValidationError(
        gettext("This boundary could not be read: draw it again on the map.")
    )


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _unreadable()
    return float(value)


@extend_schema_field(BOUNDARY_INPUT_SCHEMA)
class BoundaryField(serializers.Field):
    """A GeoJSON polygon in, a GEOS polygon (SRID 4326, two dimensions) out.

    The GeoJSON is read here rather than by GDAL: every coordinate is checked
    (numbers, on the map), so nothing malformed reaches GEOS or the database.
    """

    default_error_messages = {
        "shape": _("Send the boundary as a GeoJSON Polygon, or a Feature holding one."),
    }

    def to_internal_value(self, data):
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        if not isinstance(data, dict):
            self.fail("shape")
        kind, coordinates = data.get("type"), data.get("coordinates")
        if kind == "MultiPolygon" and isinstance(coordinates, list) and len(coordinates) == 1:
            kind, coordinates = "Polygon", coordinates[0]
        if kind == "MultiPolygon":
            raise serializers.ValidationError(
                gettext("The boundary must be a single closed shape drawn on the map.")
            )
        if kind != "Polygon":
            self.fail("shape")
        if not isinstance(coordinates, list) or not coordinates:
            raise _unreadable()
        rings = []
        count = 0
        for ring in coordinates:
            if not isinstance(ring, list) or len(ring) < 4:
                raise _unreadable()
            count += len(ring)
            if count > MAX_VERTICES:
                raise serializers.ValidationError(
                    gettext("The boundary has too many points (at most %(count)s).")
                    % {"count": MAX_VERTICES}
                )
            points = []
            for position in ring:
                if not isinstance(position, list) or not 2 <= len(position) <= 3:
                    raise _unreadable()
                lon, lat = _number(position[0]), _number(position[1])
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise serializers.ValidationError(gettext("The boundary lies outside the map."))
                points.append((lon, lat))
            if points[0] != points[-1]:
                raise _unreadable()
            rings.append(points)
        try:
            return Polygon(*[LinearRing(points) for points in rings], srid=4326)
        except (GEOSException, ValueError, TypeError) as exc:
            raise _unreadable() from exc

    def to_representation(self, value):
        return boundary_geojson(value)


def boundary_geojson(polygon) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y] for x, y, *_z in ring] for ring in polygon.coords],
    }


class BoundaryOutputSerializer(serializers.Serializer):
    """The boundary as a GeoJSON Polygon geometry (WGS 84, [longitude, latitude])."""

    type = serializers.ChoiceField(choices=[("Polygon", "Polygon")])
    coordinates = serializers.ListField(
        child=serializers.ListField(
            child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
        ),
        help_text=_("Rings of [longitude, latitude] positions; the first is the outline."),
    )


# --- communities ------------------------------------------------------------------------


class CommuneRefSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class CommunityRefSerializer(serializers.Serializer):
    """A community named in another object: public data only."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    commune = CommuneRefSerializer(read_only=True)


class CommunitySerializer(serializers.Serializer):
    """What anyone may know of a community (CTY-3): nothing personal."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    commune = CommuneRefSerializer(read_only=True)
    showcase_url = serializers.SerializerMethodField(
        help_text=_("Address of the community's public page, when it is published.")
    )

    @extend_schema_field({"type": ["string", "null"], "format": "uri"})
    def get_showcase_url(self, community) -> str | None:
        try:
            page = community.showcase_page
        except ObjectDoesNotExist:  # no page (a commune without a site)
            return None
        if page is None or not page.live:
            return None
        return page.get_full_url(request=self.context.get("request"))


class CommunityDetailSerializer(CommunitySerializer):
    presentation = serializers.CharField(
        read_only=True, help_text=_("Presentation of the community by its référents.")
    )
    area_m2 = serializers.FloatField(read_only=True, help_text=_("Area in square metres."))
    boundary = serializers.SerializerMethodField()

    @extend_schema_field(BoundaryOutputSerializer)
    def get_boundary(self, community) -> dict:
        return boundary_geojson(community.area)


class CommunityFilterSerializer(serializers.Serializer):
    country = serializers.ChoiceField(choices=COUNTRY_CHOICES, required=False)
    commune = CommuneSlugField(required=False)
    near = serializers.CharField(required=False, max_length=60)
    distance = serializers.IntegerField(required=False, min_value=1, max_value=20_000)

    def validate_near(self, value: str) -> tuple[float, float]:
        parts = value.split(",")
        try:
            lon, lat = (float(part) for part in parts)
        except ValueError:
            lon = lat = math.nan
        if not (math.isfinite(lon) and math.isfinite(lat)) or not (
            -180 <= lon <= 180 and -90 <= lat <= 90
        ):
            raise serializers.ValidationError(
                _("Give a point as longitude,latitude (WGS 84), for example -2.0255,48.6493.")
            )
        return lon, lat


class PointQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)

    def validate(self, attrs):
        if not all(math.isfinite(attrs[key]) for key in ("lon", "lat")):
            raise serializers.ValidationError(
                {"lon": [serializers.FloatField.default_error_messages["invalid"]]}
            )
        return attrs


class CommunityCreateInputSerializer(serializers.Serializer):
    commune = CommuneSlugField(help_text=_("Slug of the commune of the community."))
    name = StrictCharField(max_length=NAME_MAX_LENGTH)
    boundary = BoundaryField(
        help_text=_(
            "The boundary drawn on the map, as a GeoJSON Polygon in WGS 84 (or a Feature "
            "holding one); it must contain your home."
        )
    )


class CommunityUpdateInputSerializer(serializers.Serializer):
    name = StrictCharField(required=False, max_length=NAME_MAX_LENGTH)
    presentation = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=PRESENTATION_MAX_LENGTH,
        help_text=_("Shown on the public page of the community (at most 1,000 characters)."),
    )
    show_photo = StrictBooleanField(
        required=False, help_text=_("Show your photo on the public page of the community.")
    )


# --- memberships -----------------------------------------------------------------------


class RefusalSerializer(serializers.Serializer):
    community = CommunityRefSerializer(read_only=True)
    reason = serializers.CharField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MyCommunitySerializer(serializers.Serializer):
    """The caller's place in a community: a pending request, a membership, or none."""

    STATUSES = [
        (Membership.Status.PENDING, Membership.Status.PENDING.label),
        (Membership.Status.MEMBER, Membership.Status.MEMBER.label),
        ("none", _("No community")),
    ]

    status = serializers.ChoiceField(choices=STATUSES, read_only=True)
    community = CommunityRefSerializer(read_only=True, allow_null=True)
    is_referent = serializers.BooleanField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_refusal = RefusalSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("Your last request, when it was refused (null once you ask again)."),
    )


class MembershipRequestSerializer(serializers.Serializer):
    """A request to join, as those who decide see it (name, address, presentation)."""

    id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=Membership.Status.choices, read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    escalated = serializers.BooleanField(
        read_only=True, help_text=_("Sent to the platform's staff after 15 days without decision.")
    )
    refusal_reason = serializers.CharField(read_only=True)
    person = PersonSerializer(source="user_card", read_only=True)


class MembershipDecisionInputSerializer(serializers.Serializer):
    accept = StrictBooleanField(help_text=_("true to accept, false to refuse."))
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Refusals only (required then): the reason sent to the person."),
    )


class MemberSerializer(serializers.Serializer):
    """One member of the directory (CTY-13), through the privacy matrix."""

    is_referent = serializers.BooleanField(read_only=True)
    person = PersonSerializer(read_only=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    event = serializers.ChoiceField(
        source="kind", choices=HistoryEntry.Kind.choices, read_only=True
    )
    created_at = serializers.DateTimeField(read_only=True)
    person = PersonSerializer(
        source="person_card",
        read_only=True,
        allow_null=True,
        help_text=_("Who arrived, left or changed role (null for an event of the community)."),
    )
    actor = PersonSerializer(
        source="actor_card",
        read_only=True,
        allow_null=True,
        help_text=_("Who did it, when someone did."),
    )
    data = serializers.DictField(  # type: ignore[assignment]  # a field named data shadows Serializer.data in the DRF stubs
        read_only=True,
        help_text=_("Details of the event (old and new name of a renaming, …)."),
    )


# --- référents, exclusions, invitations -------------------------------------------------------


class ReferentChangeInputSerializer(serializers.Serializer):
    ACTIONS = [
        ("grant", _("Make a member référent")),
        ("transfer", _("Hand your role over to a member")),
        ("give_up", _("Give up your role")),
        ("remove", _("Remove the role from another référent")),
    ]

    action = serializers.ChoiceField(choices=ACTIONS)
    member = StrictIntegerField(
        required=False,
        min_value=1,
        help_text=_("Id of the member concerned (every action but give_up)."),
    )

    def validate(self, attrs):
        if attrs["action"] != "give_up" and "member" not in attrs:
            raise serializers.ValidationError(
                {"member": [serializers.Field.default_error_messages["required"]]}
            )
        return attrs


class ExclusionInputSerializer(serializers.Serializer):
    member = StrictIntegerField(min_value=1, help_text=_("Id of the member to exclude."))
    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH,
        help_text=_("Why: read by the platform's staff, who decide."),
    )


class ExclusionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)
    member = PersonSerializer(source="member_card", read_only=True)


class InvitationInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Invitation.Channel.choices)
    recipient = StrictCharField(
        max_length=254,
        help_text=_("Email address or mobile number of the neighbour; it is not kept."),
    )


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    channel = serializers.ChoiceField(choices=Invitation.Channel.choices, read_only=True)
    sent_at = serializers.DateTimeField(read_only=True)


# --- merges ------------------------------------------------------------------------------------


@extend_schema_serializer(deprecate_fields=["other", "keep"])
class MergeProposeInputSerializer(serializers.Serializer):
    """``absorbed`` (and ``kept``, this community by default); the old two-community form
    ``other`` + ``keep`` is still read, for the apps already in people's hands."""

    absorbed = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        required=False,
        min_length=1,
        max_length=5,
        help_text=_(
            "Ids of the communities merged away (1 to 5), this community included when "
            "another one is kept. 2 to 6 communities in all, of the same commune."
        ),
    )
    kept = StrictIntegerField(
        min_value=1,
        required=False,
        help_text=_("Id of the community that remains (its name and page); this one by default."),
    )
    other = StrictIntegerField(
        min_value=1,
        required=False,
        help_text=_("Deprecated: use absorbed and kept. Id of the one community to merge with."),
    )
    keep = serializers.ChoiceField(
        choices=[("this", _("This community")), ("other", _("The other community"))],
        required=False,
        help_text=_("Deprecated: use kept. With other: the community that remains."),
    )

    def validate(self, attrs):
        if "absorbed" in attrs and "other" in attrs:
            raise serializers.ValidationError(
                {"other": [gettext("Send absorbed and kept, or other and keep, not both.")]}
            )
        if "other" in attrs and "keep" not in attrs:
            raise serializers.ValidationError({"keep": [gettext("This field is required.")]})
        if "absorbed" not in attrs and "other" not in attrs:
            field = "other" if "keep" in attrs else "absorbed"  # the old form lacks other
            raise serializers.ValidationError({field: [gettext("This field is required.")]})
        return attrs


class MergeSideSerializer(serializers.Serializer):
    community = serializers.SerializerMethodField(
        help_text=_("The community (null once merged away: see name).")
    )
    name = serializers.CharField(read_only=True)
    kept = serializers.BooleanField(source="is_kept", read_only=True)
    agreed = serializers.BooleanField(read_only=True)
    agreed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(CommunityRefSerializer(allow_null=True))
    def get_community(self, side):
        return CommunityRefSerializer(side.community).data if side.community else None


class MergeProposalBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=MergeProposal.Status.choices, read_only=True)
    kept = CommunityRefSerializer(read_only=True)
    sides = MergeSideSerializer(
        source="ordered_sides",
        many=True,
        read_only=True,
        help_text=_("Every community of the merge, the kept one first, and its agreement."),
    )
    proposed_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


@extend_schema_serializer(deprecate_fields=["absorbed", "absorbed_name", "absorbed_agreed"])
class MergeProposalSerializer(MergeProposalBaseSerializer):
    """A proposal for its référents; the two-community fields stay for older apps."""

    absorbed = serializers.SerializerMethodField(
        help_text=_("Deprecated: see sides. The first community merged away (null once merged).")
    )
    absorbed_name = serializers.SerializerMethodField(
        help_text=_("Deprecated: see sides. The names of the communities merged away.")
    )
    kept_agreed = serializers.SerializerMethodField()
    absorbed_agreed = serializers.SerializerMethodField(
        help_text=_("Deprecated: see sides. Whether every community merged away agreed.")
    )

    @extend_schema_field(CommunityRefSerializer(allow_null=True))
    def get_absorbed(self, proposal):
        sides = proposal.absorbed_sides
        community = sides[0].community if sides else None
        return CommunityRefSerializer(community).data if community else None

    def get_absorbed_name(self, proposal) -> str:
        return ", ".join(side.name for side in proposal.absorbed_sides)

    def get_kept_agreed(self, proposal) -> bool:
        return any(side.is_kept and side.agreed for side in proposal.ordered_sides)

    def get_absorbed_agreed(self, proposal) -> bool:
        return all(side.agreed for side in proposal.absorbed_sides)
