"""Demo communities: real-looking boundaries in each demo commune, with members and référents.

Everything goes through the services, as in the product: the shapes obey the
area and overlap rules, homes lie inside, the first member is the référent.
Idempotent: a community that exists (same name, same commune) is left alone.
"""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point, Polygon

from communes.models import Follow
from communes.services import follow_decide, follow_request
from communities import services
from communities.models import Community, Membership

# (name, centre (lon, lat), half-widths in metres of an irregular outline,
#  [(email, first name, last name, address, (east, north) metres from the centre)])
COMMUNITIES = {
    "saint-malo": [
        (
            "Intra-Muros",
            (-2.0255, 48.6495),
            (260, 300, 240, 280, 250, 290),
            [
                (
                    "marie.durand@exemple.localhost",
                    "Marie",
                    "Durand",
                    "4 rue de Dinan, 35400 Saint-Malo",
                    (-40, 20),
                ),
                (
                    "yann.morvan@exemple.localhost",
                    "Yann",
                    "Morvan",
                    "12 rue Porcon de la Barbinais, 35400 Saint-Malo",
                    (60, -50),
                ),
                (
                    "lena.briand@exemple.localhost",
                    "Léna",
                    "Briand",
                    "7 place Chateaubriand, 35400 Saint-Malo",
                    (10, 90),
                ),
            ],
        ),
        (
            "Paramé – Les Thermes",
            (-2.0000, 48.6560),
            (330, 280, 310, 300, 340, 270),
            [
                (
                    "louis.lemoine@exemple.localhost",
                    "Louis",
                    "Lemoine",
                    "21 boulevard Hébert, 35400 Saint-Malo",
                    (30, 10),
                ),
                (
                    "soizic.guen@exemple.localhost",
                    "Soizic",
                    "Le Guen",
                    "3 rue des Tilleuls, 35400 Saint-Malo",
                    (-80, 60),
                ),
            ],
        ),
        (
            "Rochebonne",
            (-1.9870, 48.6530),
            (290, 320, 270, 300, 310, 280),
            [
                (
                    "herve.colin@exemple.localhost",
                    "Hervé",
                    "Colin",
                    "9 avenue de la Hoguette, 35400 Saint-Malo",
                    (0, -30),
                ),
            ],
        ),
    ],
    "cocody": [
        (
            "Riviera 3",
            (-3.9680, 5.3560),
            (330, 300, 350, 310, 320, 340),
            [
                (
                    "kouadio.yao@exemple.localhost",
                    "Kouadio",
                    "Yao",
                    "Riviera 3, rue des Jardins, Cocody",
                    (20, 40),
                ),
                (
                    "awa.traore@exemple.localhost",
                    "Awa",
                    "Traoré",
                    "Riviera 3, près de la pharmacie, Cocody",
                    (-60, -20),
                ),
                (
                    "serge.kone@exemple.localhost",
                    "Serge",
                    "Koné",
                    "Riviera 3, cité SICOGI, Cocody",
                    (90, 70),
                ),
            ],
        ),
        (
            "Angré 8e tranche",
            (-3.9890, 5.3950),
            (300, 340, 310, 290, 330, 300),
            [
                (
                    "mariam.bamba@exemple.localhost",
                    "Mariam",
                    "Bamba",
                    "Angré 8e tranche, îlot 12, Cocody",
                    (-10, 25),
                ),
                (
                    "eric.nguessan@exemple.localhost",
                    "Éric",
                    "N'Guessan",
                    "Angré 8e tranche, villa 45, Cocody",
                    (70, -40),
                ),
            ],
        ),
        (
            "II Plateaux Vallon",
            (-4.0030, 5.3700),
            (280, 300, 320, 290, 300, 310),
            [
                (
                    "fatou.diallo@exemple.localhost",
                    "Fatou",
                    "Diallo",
                    "Rue des Jardins, II Plateaux Vallon, Cocody",
                    (15, -15),
                ),
            ],
        ),
    ],
}


def _offset(center, east_m: float, north_m: float) -> tuple[float, float]:
    lon, lat = center
    return (
        lon + east_m / (111_320 * math.cos(math.radians(lat))),
        lat + north_m / 111_320,
    )


def outline(center, radii) -> Polygon:
    """A hexagon-like outline of the given radii (metres), as a street-drawn boundary looks."""
    points = []
    for i, radius in enumerate(radii):
        angle = math.radians(90 - i * 360 / len(radii) + 15)
        points.append(_offset(center, radius * math.cos(angle), radius * math.sin(angle)))
    return Polygon([*points, points[0]], srid=4326)


def load(commune, person, decider) -> list[Community]:
    """Create the demo communities of ``commune``; ``person`` makes or gets an account."""
    created = []
    for name, center, radii, members in COMMUNITIES.get(commune.slug, []):
        community = Community.objects.filter(commune=commune, name=name).first()
        people = []
        for email, first_name, last_name, address, (east, north) in members:
            user = person(email, first_name, last_name)
            if user.location is None:
                user.address = address
                user.location = Point(*_offset(center, east, north), srid=4326)
                user.save(update_fields=["address", "location"])
            follow, _ = follow_request(user=user, commune=commune)
            if follow.status == Follow.Status.PENDING:
                follow_decide(follow=follow, by=decider, accept=True)
            people.append(user)
        if community is None:
            community = services.community_create(
                user=people[0], commune=commune, name=name, area=outline(center, radii)
            )
            created.append(community)
        for user in people[1:]:
            if Membership.objects.filter(user=user, status__in=Membership.CURRENT).exists():
                continue
            membership = services.membership_request(user=user, community=community)
            services.membership_decide(membership=membership, by=people[0], accept=True)
    return created
