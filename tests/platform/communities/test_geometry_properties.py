"""Property tests (hypothesis) of the area and overlap rules (CTY-2) on random polygons."""

from __future__ import annotations

import math

import pytest
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from communities.geo import check_polygon, geodesic_area_m2
from communities.models import Community
from communities.selectors import overlapping
from tests.communities import offset

# Somewhere between Abidjan and Dunkirk, where communes of the platform are.
latitudes = st.floats(min_value=4.0, max_value=51.0)
longitudes = st.floats(min_value=-5.0, max_value=8.0)
sides = st.floats(min_value=20.0, max_value=2000.0)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# WGS 84: the area of the band between two latitudes over one radian of longitude.
A = 6_378_137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = math.sqrt(E2)


def _q(lat_rad: float) -> float:
    s = math.sin(lat_rad)
    return (1 - E2) * (s / (1 - E2 * s * s) - math.log((1 - E * s) / (1 + E * s)) / (2 * E))


def ellipsoid_box_area(west, south, east, north) -> float:
    """Exact area of a latitude/longitude box on the ellipsoid (authalic formula)."""
    return (
        A * A / 2 * math.radians(east - west) * (_q(math.radians(north)) - _q(math.radians(south)))
    )


def box(west, south, east, north) -> Polygon:
    return Polygon(
        [(west, south), (east, south), (east, north), (west, north), (west, south)], srid=4326
    )


def rectangle(center, width_m, height_m) -> Polygon:
    west, south = offset(center, -width_m / 2, -height_m / 2)
    east, north = offset(center, width_m / 2, height_m / 2)
    return box(west, south, east, north)


@SETTINGS
@given(lon=longitudes, lat=latitudes, width=sides, height=sides)
def test_area_matches_the_ellipsoid(lon, lat, width, height):
    polygon = rectangle((lon, lat), width, height)
    west, south, east, north = polygon.extent
    # For a neighbourhood, the straight edges of the equal-area projection and
    # the parallels of the box differ by far less than a square metre.
    assert geodesic_area_m2(polygon) == pytest.approx(
        ellipsoid_box_area(west, south, east, north), rel=1e-5
    )


@SETTINGS
@given(lon=longitudes, lat=latitudes, width=sides, height=sides, shift=st.floats(-3, 3))
def test_area_does_not_depend_on_longitude(lon, lat, width, height, shift):
    polygon = rectangle((lon, lat), width, height)
    moved = Polygon([(x + shift, y) for x, y in polygon.exterior_ring.coords], srid=4326)
    assert geodesic_area_m2(moved) == pytest.approx(geodesic_area_m2(polygon), rel=1e-9)


@SETTINGS
@given(lon=longitudes, lat=latitudes, width=sides, height=sides, cut=st.floats(0.1, 0.9))
def test_area_is_additive(lon, lat, width, height, cut):
    whole = rectangle((lon, lat), width, height)
    west, south, east, north = whole.extent
    middle = west + (east - west) * cut
    left, right = box(west, south, middle, north), box(middle, south, east, north)
    # Each part is projected around its own centre: agreement to 0.1 ppm.
    assert geodesic_area_m2(left) + geodesic_area_m2(right) == pytest.approx(
        geodesic_area_m2(whole), rel=1e-7
    )


@SETTINGS
@given(lon=longitudes, lat=latitudes, width=sides, height=sides)
def test_the_cap_is_exactly_one_square_kilometre(lon, lat, width, height):
    polygon = rectangle((lon, lat), width, height)
    area = geodesic_area_m2(polygon)
    assume(abs(area - 1_000_000) > 100)  # away from the edge, where rounding decides
    if area > 1_000_000:
        with pytest.raises(ValidationError):
            check_polygon(polygon)
        assert check_polygon(polygon, cap_lifted=True) == pytest.approx(area)
    else:
        assert check_polygon(polygon) == pytest.approx(area)


shapes = st.tuples(
    st.floats(-600, 600), st.floats(-600, 600), st.floats(50, 500), st.floats(50, 500)
)


@pytest.mark.django_db
def test_the_database_overlap_rule_agrees_with_geos(commune):
    """Refused exactly when interiors meet: PostGIS (indexed query) and GEOS agree."""
    origin = (-2.0255, 48.6493)

    @SETTINGS
    @given(first=shapes, second=shapes, touching=st.booleans())
    def check(first, second, touching):
        a = rectangle(offset(origin, first[0], first[1]), first[2], first[3])
        if touching:  # the second shares the first's east edge exactly
            west, south, east, north = a.extent
            b = box(east, south, east + (east - west), north)
        else:
            b = rectangle(offset(origin, second[0], second[1]), second[2], second[3])
        with transaction.atomic():
            Community.objects.create(commune=commune, name="A", area=a, area_m2=1)
            in_the_way = overlapping(b).exists()
            transaction.set_rollback(True)
        interiors_meet = a.intersects(b) and not a.touches(b)
        assert in_the_way == interiors_meet
        if touching:
            assert not in_the_way

    check()
