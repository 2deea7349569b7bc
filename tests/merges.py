"""Helpers of the merge tests (CTY-12)."""

from __future__ import annotations


def strip(commune, names, *, north_m: float = 0, members: int = 1):
    """Communities on 400 m squares side by side west to east, each sharing its edge
    exactly with the next (same coordinates: no sliver, no overlap)."""
    from django.contrib.gis.geos import Polygon

    from communities import services
    from tests.communities import SAINT_MALO, join, offset, person_at

    south_west = offset(SAINT_MALO, -200, north_m - 200)
    north_east = offset(SAINT_MALO, 200, north_m + 200)
    width = north_east[0] - south_west[0]
    (x0, y0), y1 = south_west, north_east[1]
    made = []
    for i, name in enumerate(names):
        left, right = x0 + i * width, x0 + (i + 1) * width
        area = Polygon([(left, y0), (right, y0), (right, y1), (left, y1), (left, y0)], srid=4326)
        middle = ((left + right) / 2, (y0 + y1) / 2)
        referent = person_at(commune, middle, first_name="Régis", last_name=name)
        community = services.community_create(user=referent, commune=commune, name=name, area=area)
        for j in range(members):
            join(community, person_at(commune, (middle[0], middle[1] + 0.0001 * (j + 1))))
        made.append(community)
    return made
