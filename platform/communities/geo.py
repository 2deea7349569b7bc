"""Geometry of communities: parsing, geodesic area, validity (CTY-1, CTY-2).

The area is computed here, in Python, by projecting the polygon onto a
Lambert azimuthal equal-area projection centred on it (GDAL/PROJ, on the WGS 84
ellipsoid). An equal-area projection keeps areas exactly, so the result is the
geodesic area to within a few square centimetres for a neighbourhood, and it is
the same number whatever the database (PostGIS in production, SpatiaLite in
the demo): ``ST_Area(geography)`` exists on one and not the other.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WGS84 = 4326
# A vertex limit keeps drawing errors and abuse out of the spatial index.
MAX_VERTICES = 500
EARTH_RADIUS_M = 6_371_008.8


def max_area_m2() -> float:
    return float(getattr(settings, "COMMUNITY_MAX_AREA_M2", 1_000_000))


def geodesic_area_m2(polygon: Polygon) -> float:
    """Area of a WGS 84 polygon in square metres, on the ellipsoid."""
    centroid = polygon.centroid
    laea = SpatialReference(
        f"+proj=laea +lat_0={centroid.y:.9f} +lon_0={centroid.x:.9f} "
        "+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )
    source = SpatialReference(WGS84)
    projected = polygon.ogr
    projected.transform(CoordTransform(source, laea))
    return abs(projected.area)


def parse_polygon(value) -> Polygon:
    """A GEOS polygon (SRID 4326) from GeoJSON (text or dict), WKT or a geometry.

    Raises ``ValidationError`` on the ``area`` field with a sentence a resident
    understands: the map sends GeoJSON, integrators may send either.
    """
    if value in (None, ""):
        raise ValidationError({"area": _("Draw the boundary of the community on the map.")})
    try:
        if isinstance(value, GEOSGeometry):
            geometry = value.clone()
        elif isinstance(value, dict):
            geometry = GEOSGeometry(json.dumps(value.get("geometry", value)))
        else:
            text = str(value).strip()
            if text.startswith("{"):
                data = json.loads(text)
                if data.get("type") == "Feature":
                    data = data.get("geometry") or {}
                elif data.get("type") == "FeatureCollection":
                    features = data.get("features") or []
                    if len(features) != 1:
                        raise ValueError("one feature expected")
                    data = features[0].get("geometry") or {}
                text = json.dumps(data)
            geometry = GEOSGeometry(text)
    except (
        GEOSException,
        GDALException,
        ValueError,
        TypeError,
        AttributeError,
        json.JSONDecodeError,
    ) as exc:
        raise ValidationError(
            {"area": _("This boundary could not be read: draw it again on the map.")}
        ) from exc
    if geometry.srid is None:
        geometry.srid = WGS84
    if isinstance(geometry, MultiPolygon) and len(geometry) == 1:
        srid = geometry.srid
        geometry = geometry[0]
        geometry.srid = srid
    if not isinstance(geometry, Polygon):
        raise ValidationError(
            {"area": _("The boundary must be a single closed shape drawn on the map.")}
        )
    if geometry.srid != WGS84:
        try:
            geometry.transform(WGS84)
        except (GEOSException, GDALException) as exc:
            raise ValidationError(
                {"area": _("This boundary could not be read: draw it again on the map.")}
            ) from exc
    # Keep longitude and latitude only (an app may send altitudes); check the
    # numbers before anything prints the geometry (GEOS cannot print huge ones).
    rings = []
    for ring in geometry:
        coords = []
        for point in ring.coords:
            x, y = float(point[0]), float(point[1])
            if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
                raise ValidationError({"area": _("The boundary lies outside the map.")})
            coords.append((x, y))
        rings.append(coords)
    try:
        return Polygon(*rings, srid=WGS84)
    except (GEOSException, ValueError, TypeError, IndexError) as exc:
        raise ValidationError(
            {"area": _("The boundary must be a single closed shape drawn on the map.")}
        ) from exc


def check_polygon(polygon: Polygon, *, cap_lifted: bool = False) -> float:
    """Validity and size rules; returns the geodesic area in m²."""
    if polygon.num_coords > MAX_VERTICES:
        raise ValidationError(
            {
                "area": _("The boundary has too many points (at most %(count)s).")
                % {"count": MAX_VERTICES}
            }
        )
    for x, y in polygon.exterior_ring.coords:
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise ValidationError({"area": _("The boundary lies outside the map.")})
    if not polygon.valid:
        raise ValidationError(
            {
                "area": _(
                    "The boundary crosses itself or is not closed: draw it again "
                    "without crossing lines."
                )
            }
        )
    area = geodesic_area_m2(polygon)
    if area < 100:
        raise ValidationError({"area": _("The boundary is too small to be a neighbourhood.")})
    if not cap_lifted and area > max_area_m2():
        raise ValidationError(
            {
                "area": _(
                    "The community covers %(area)s km²; it may cover at most %(max)s km². "
                    "Draw a smaller boundary, or ask the platform's staff for a rural community."
                )
                % {"area": f"{area / 1_000_000:.2f}", "max": f"{max_area_m2() / 1_000_000:g}"}
            }
        )
    return area


def degrees_for(meters: float, latitude: float) -> float:
    """A distance in degrees at least as long as ``meters`` at ``latitude``.

    Used as the indexed pre-filter (``dwithin`` in degrees) before the exact
    distance check; longitude degrees shrink with the cosine of the latitude.
    """
    cos = max(math.cos(math.radians(min(abs(latitude) + 1, 89.9))), 0.01)
    return math.degrees(meters / EARTH_RADIUS_M) / cos


def as_point(value: Point | tuple[float, float]) -> Point:
    point = value if isinstance(value, Point) else Point(*value, srid=WGS84)
    if point.srid is None:
        point.srid = WGS84
    return point
