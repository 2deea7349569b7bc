"""Demo territories (COM-5): simplified outlines of the two demo communes.

A couple of dozen corners each, drawn from the real territory: Saint-Malo (35288) from
the Rance estuary and Saint-Servan to Paramé and Rothéneuf, its sea front included;
Cocody (Abidjan) from the Ébrié lagoon and the Baie de Cocody to Angré and the edge of
Bingerville. The centre is the town hall. Every demo address and community lies inside.
"""

from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from communes.territory import territory_update

# slug: (centre (lon, lat), [(lon, lat), …] counter-clockwise, first corner not repeated)
TERRITORIES = {
    "saint-malo": (
        (-2.0253, 48.6493),  # Hôtel de ville, intra-muros
        [
            (-2.0450, 48.6450),  # off the Grand Bé and Fort National
            (-2.0350, 48.6320),  # Cité d'Aleth
            (-2.0250, 48.6200),  # Saint-Servan, along the Rance
            (-2.0150, 48.6050),
            (-2.0000, 48.6000),  # Quelmer
            (-1.9800, 48.6020),
            (-1.9600, 48.6120),  # Château-Malo
            (-1.9450, 48.6300),
            (-1.9350, 48.6500),  # towards Saint-Coulomb
            (-1.9350, 48.6700),
            (-1.9500, 48.6800),  # Rothéneuf
            (-1.9700, 48.6800),  # Pointe de la Varde
            (-1.9850, 48.6680),  # Rochebonne
            (-2.0050, 48.6640),  # the Sillon
            (-2.0250, 48.6610),
            (-2.0420, 48.6560),
        ],
    ),
    "cocody": (
        (-4.0010, 5.3470),  # Mairie, boulevard de France
        [
            (-4.0150, 5.3220),  # Blockhaus, on the lagoon
            (-4.0000, 5.3230),
            (-3.9800, 5.3300),  # Riviera golf
            (-3.9550, 5.3350),
            (-3.9300, 5.3450),  # M'Badon
            (-3.9200, 5.3700),
            (-3.9250, 5.3950),  # towards Bingerville
            (-3.9450, 5.4100),
            (-3.9700, 5.4200),
            (-3.9950, 5.4200),  # Angré, towards Abobo
            (-4.0100, 5.4050),
            (-4.0150, 5.3850),
            (-4.0180, 5.3650),  # II Plateaux, towards Adjamé
            (-4.0250, 5.3500),
            (-4.0230, 5.3350),  # Baie de Cocody
        ],
    ),
}


def boundary(slug: str) -> MultiPolygon | None:
    spec = TERRITORIES.get(slug)
    if spec is None:
        return None
    corners = spec[1]
    return MultiPolygon(Polygon([*corners, corners[0]], srid=4326), srid=4326)


def load(commune, by) -> None:
    """Give a demo commune its territory unless it has one (idempotent)."""
    spec = TERRITORIES.get(commune.slug)
    if spec is None or commune.boundary is not None:
        return
    territory_update(
        by=by,
        commune=commune,
        boundary=boundary(commune.slug),
        center=Point(*spec[0], srid=4326),
        radius_km=commune.radius_km,
    )


# The police of a demo commune (COM-2): an account with the police role, in a commune
# that is a partner town hall (only a partner's police reads its communities' alerts).
POLICE = {
    "saint-malo": ("police@saint-malo.localhost", "Police", "municipale"),
}


def load_police(commune, person, by):
    """The commune's police account (``person(email, first_name, last_name)`` makes or
    finds the account), the commune made a partner town hall; None for a commune without
    one. Idempotent."""
    from communes.models import Commune, StaffRole
    from communes.services import staff_role_grant

    spec = POLICE.get(commune.slug)
    if spec is None:
        return None
    if not commune.is_partner:
        # Demo data: the hosting partner's switch, without its screen.
        Commune.objects.filter(pk=commune.pk).update(is_partner=True)
        commune.is_partner = True
    police = person(*spec)
    if not StaffRole.objects.filter(
        commune=commune, user=police, role=StaffRole.Role.POLICE
    ).exists():
        staff_role_grant(commune=commune, user=police, role=StaffRole.Role.POLICE, by=by)
    return police
