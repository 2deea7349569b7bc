"""Test helpers for communities: shapes in metres, residents placed on the map.

State changes go through ``communities.services`` as in the product, so a
helper never builds a community the rules would refuse.
"""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point, Polygon

from communities import selectors, services
from communities.models import Membership
from tests.factories import UserFactory
from tests.follows import root, validated

# Saint-Malo, intra-muros (the ``commune`` fixture), and Cocody (``other_commune``).
SAINT_MALO = (-2.0255, 48.6493)
COCODY = (-3.9870, 5.3590)
METRES_PER_DEGREE = 111_320.0


def offset(origin, east_m: float = 0, north_m: float = 0) -> tuple[float, float]:
    lon, lat = origin
    return (
        lon + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))),
        lat + north_m / METRES_PER_DEGREE,
    )


def square(center, side_m: float = 400) -> Polygon:
    """A square of ``side_m`` metres around ``center`` (lon, lat)."""
    half = side_m / 2
    corners = [
        offset(center, -half, -half),
        offset(center, half, -half),
        offset(center, half, half),
        offset(center, -half, half),
    ]
    return Polygon([*corners, corners[0]], srid=4326)


def person_at(commune, where, **fields):
    """A verified account whose home is at ``where`` (lon, lat), validated by ``commune``."""
    user = UserFactory(location=Point(*where, srid=4326), **fields)
    return validated(user, commune)


# A pending applicant's private details: the tests check who may (not) see them.
APPLICANT_EMAIL = "anne.secret@example.org"


def pending_applicant(commune, community):
    """A neighbour inside ``community`` (50 m from its centre) whose request is pending,
    with an e-mail, a mobile, an address and a presentation; ``.membership`` is the request."""
    person = person_at(
        commune,
        offset(SAINT_MALO, -50, 20),
        first_name="Anne",
        last_name="Postulante",
        email=APPLICANT_EMAIL,
        mobile="+33611223344",
        address="3 Rue du Puits 35400 Saint-Malo",
        presentation="Infirmière de nuit.",
    )
    person.membership = services.membership_request(user=person, community=community)
    return person


def make_community(
    commune,
    center=SAINT_MALO,
    *,
    side_m: float = 400,
    name="Intra-muros",
    referent=None,
    members: int = 0,
):
    """A community around ``center``; its référent and ``members`` other members live inside."""
    referent = referent or person_at(commune, center, first_name="Régis", last_name="Référent")
    community = services.community_create(
        user=referent, commune=commune, name=name, area=square(center, side_m)
    )
    for i in range(members):
        join(community, person_at(commune, offset(center, 5 * (i + 1), 3)))
    return community


def join(community, user):
    """``user`` asks to join and a référent (or the platform staff) accepts."""
    membership = services.membership_request(user=user, community=community)
    referent = (
        Membership.objects.referents().filter(community=community).select_related("user").first()
    )
    decider = referent.user if referent else root()
    if not selectors.can_decide(decider, membership):
        decider = root()  # a superuser: platform staff
    services.membership_decide(membership=membership, by=decider, accept=True)
    return user


def referent_of(community):
    return Membership.objects.referents().filter(community=community).first().user


def ordinary_member(community):
    """The first member of ``community`` who is not a référent."""
    return (
        Membership.objects.members()
        .filter(community=community, is_referent=False)
        .order_by("pk")
        .first()
        .user
    )


def geojson(polygon) -> dict:
    """``polygon`` as a GeoJSON Polygon, as the API takes it."""
    return {"type": "Polygon", "coordinates": [[list(xy) for xy in polygon.coords[0]]]}
