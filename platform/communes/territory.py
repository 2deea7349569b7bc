"""A commune's territory (COM-5): where its residents' homes, communities and reports lie.

One place answers "is this inside the commune?" for accounts (the home point),
communities (a boundary drawn inside the commune) and the modules to come (reports):

* with a ``boundary`` (a multipolygon set by the hosting partner or platform staff), a
  point is inside when the boundary covers it (its edge counts as inside);
* without one, within ``radius_km`` (or ``settings.COMMUNE_DEFAULT_RADIUS_KM``) of the
  commune's ``center``, measured on the sphere;
* with neither, the territory is unknown and nothing is refused.

``map_view`` gives the maps of the site where to open (the boundary's extent, or the
centre) and an outline to draw.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from communes.services import _check_partner

if TYPE_CHECKING:
    from communes.models import Commune

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
MAX_BOUNDARY_VERTICES = 20_000
CENTRE_ZOOM = 13  # a town seen whole, when only its centre is known
OUTLINE_TOLERANCE = 0.0002  # degrees (about 20 m): the outline drawn on the site's maps

# Where a map opens without any commune (the platform's host), per country.
COUNTRY_VIEWS = {
    "FR": ((46.6, 1.9), 6),
    "CI": ((7.54, -5.55), 7),
}


def radius_km(commune: Commune) -> float:
    """The radius around the centre that stands for a missing boundary."""
    if commune.radius_km:
        return float(commune.radius_km)
    return float(settings.COMMUNE_DEFAULT_RADIUS_KM)


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance between two WGS 84 points (haversine)."""
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat = lat2 - lat1
    dlon = math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def has_territory(commune: Commune | None) -> bool:
    return commune is not None and (commune.boundary is not None or commune.center is not None)


_Geometry = TypeVar("_Geometry", bound=GEOSGeometry)


def _wgs84(geometry: _Geometry) -> _Geometry:
    if geometry.srid and geometry.srid != 4326:
        geometry = cast("_Geometry", geometry.transform(4326, clone=True))
    return geometry


def contains(commune: Commune | None, point: Point) -> bool:
    """Whether ``point`` lies in the commune's territory (True when it is unknown)."""
    if commune is None or point is None:
        return True
    point = _wgs84(point)
    if commune.boundary is not None:
        return commune.boundary.covers(point)
    if commune.center is not None:
        return distance_km(commune.center, point) <= radius_km(commune)
    return True


def _vertices(geometry: GEOSGeometry) -> Iterator[tuple[float, ...]]:
    if isinstance(geometry, Point):
        yield geometry.coords
    elif isinstance(geometry, Polygon):
        yield from geometry.exterior_ring.coords
    else:
        # A GEOS collection iterates over its parts (django-stubs omit __iter__).
        for part in cast("Iterable[GEOSGeometry]", geometry):
            yield from _vertices(part)


def contains_geometry(commune: Commune | None, geometry: GEOSGeometry) -> bool:
    """Whether a whole shape (a community's boundary) lies in the territory."""
    if commune is None or geometry is None:
        return True
    geometry = _wgs84(geometry)
    if commune.boundary is not None:
        return commune.boundary.covers(geometry)
    if commune.center is not None:
        # A disc is convex: a shape lies in it when every vertex does.
        limit = radius_km(commune)
        return all(
            distance_km(commune.center, Point(x, y)) <= limit for x, y in _vertices(geometry)
        )
    return True


def outside_message(commune: Commune) -> str:
    return _(
        "This point is outside %(commune)s. Place it on your home, inside the commune, "
        "or check the address."
    ) % {"commune": commune.name}


def check_point(commune: Commune | None, point: Point | None, *, field: str = "address") -> None:
    """``ValidationError`` on ``field``, naming the commune, when ``point`` lies outside."""
    if point is not None and commune is not None and not contains(commune, point):
        raise ValidationError(
            {field: ValidationError(outside_message(commune), code="outside_commune")}
        )


def check_geometry(commune: Commune | None, geometry: GEOSGeometry, *, field: str) -> None:
    if commune is not None and not contains_geometry(commune, geometry):
        raise ValidationError(
            {
                field: ValidationError(
                    _("This boundary goes outside %(commune)s: draw it inside the commune.")
                    % {"commune": commune.name},
                    code="outside_commune",
                )
            }
        )


# --- the boundary as typed or drawn -------------------------------------------------------


def parse_boundary(value: Any) -> MultiPolygon | None:
    """A GeoJSON or WKT polygon or multipolygon as a valid WGS 84 MultiPolygon.

    Empty: ``None`` (no boundary). ``ValidationError`` (no field) when the text is not a
    polygon, has too many vertices or is not valid (a ring crossing itself).
    """
    if value is None:
        return None
    if isinstance(value, GEOSGeometry):
        geometry = value
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            geometry = GEOSGeometry(text)
        except (ValueError, TypeError, GEOSException, GDALException):
            raise ValidationError(
                _("The boundary must be a polygon in GeoJSON or WKT."), code="invalid"
            ) from None
    if geometry.srid is None:
        geometry.srid = 4326
    geometry = _wgs84(geometry)
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon(geometry, srid=4326)
    if not isinstance(geometry, MultiPolygon) or geometry.empty:
        raise ValidationError(
            _("The boundary must be a polygon in GeoJSON or WKT."), code="invalid"
        )
    if geometry.num_coords > MAX_BOUNDARY_VERTICES:
        raise ValidationError(
            _("The boundary has too many points (%(max)s at most): simplify it.")
            % {"max": MAX_BOUNDARY_VERTICES},
            code="too_large",
        )
    # A MultiPolygon iterates over polygons, rings and points (django-stubs omit __iter__).
    polygons = cast("Iterable[Iterable[Iterable[tuple[float, float]]]]", geometry)
    for x, y in (c for polygon in polygons for ring in polygon for c in ring):
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise ValidationError(
                _("The boundary's coordinates must be longitudes and latitudes (WGS 84)."),
                code="invalid",
            )
    if not geometry.valid:
        raise ValidationError(
            _("The boundary is not valid (%(reason)s).") % {"reason": geometry.valid_reason},
            code="invalid",
        )
    return geometry


@transaction.atomic
def territory_update(
    *,
    by,
    commune: Commune,
    boundary: Any = None,
    center: Point | None = None,
    radius_km: float | None = None,
) -> Commune:
    """Set a commune's territory (hosting partner or platform staff; COM-5).

    Communities already drawn outside the new territory are not changed: the rule
    applies to what is drawn from now on.
    """
    _check_partner(by, commune.hosting_partner)
    try:
        commune.boundary = parse_boundary(boundary)
    except ValidationError as error:
        raise ValidationError({"boundary": error.messages}) from None
    commune.center = _wgs84(center) if center is not None else None
    commune.radius_km = radius_km or None
    commune.full_clean(
        exclude=[f.name for f in commune._meta.fields if f.name not in ("radius_km",)]
    )
    commune.save(update_fields=["boundary", "center", "radius_km"])
    log(instance=commune, action="wagtail.edit", user=by)
    return commune


# --- maps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapView:
    """Where a map opens: ``bounds`` to fit (south, west, north, east), else centre and zoom."""

    center: tuple[float, float]  # latitude, longitude
    zoom: int
    bounds: tuple[float, float, float, float] | None = None
    outline: dict | None = None  # GeoJSON of the boundary, simplified for display
    local: bool = False  # the commune's own (boundary or centre), not its country's

    @property
    def center_attr(self) -> str:
        return f"{self.center[0]:.6f},{self.center[1]:.6f}"

    @property
    def bounds_attr(self) -> str:
        return ",".join(f"{value:.6f}" for value in self.bounds) if self.bounds else ""

    @property
    def outline_attr(self) -> str:
        return json.dumps(self.outline, separators=(",", ":")) if self.outline else ""


def map_view(commune: Commune | None, *, country: str | None = None) -> MapView:
    """The commune's boundary, else its centre, else its country (France by default)."""
    if commune is not None and commune.boundary is not None:
        boundary = commune.boundary
        west, south, east, north = boundary.extent
        centre = commune.center or boundary.point_on_surface
        outline = boundary.simplify(OUTLINE_TOLERANCE, preserve_topology=True)
        return MapView(
            center=(centre.y, centre.x),
            zoom=CENTRE_ZOOM,
            bounds=(south, west, north, east),
            outline=json.loads(outline.geojson),
            local=True,
        )
    if commune is not None and commune.center is not None:
        return MapView(center=(commune.center.y, commune.center.x), zoom=CENTRE_ZOOM, local=True)
    code = country or (commune.country if commune is not None else "FR")
    view, zoom = COUNTRY_VIEWS.get(code, COUNTRY_VIEWS["FR"])
    return MapView(center=view, zoom=zoom)
