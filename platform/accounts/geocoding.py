"""Addresses to points (ACC-7): the national address base (BAN) in France, Nominatim elsewhere.

Every provider failure (timeout, refused connection, 5xx, 429, unreadable answer) is one
``GeocodingUnavailable``: callers show its message as a form error or answer 503, never a
500. Answers are cached in Django's cache, keyed by backend and normalised query; Nominatim
is asked at most once a second per process, as its usage policy requires.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import math
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin
from urllib.request import Request, urlopen

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.countries import COUNTRIES

if TYPE_CHECKING:
    from communes.models import Commune

logger = logging.getLogger("voisinage.geocoding")

MIN_QUERY_LENGTH = 3  # BAN refuses shorter queries; they match nothing useful anyway
MAX_QUERY_LENGTH = 200
MAX_LIMIT = 10
MAX_RESPONSE_BYTES = 1_000_000
NOMINATIM_INTERVAL = 1.0  # seconds between two requests: Nominatim's usage policy
NOMINATIM_MAX_WAIT = 3.0  # seconds a search may queue for its turn before giving up

T = TypeVar("T")


@dataclass(frozen=True)
class GeocodedAddress:
    label: str
    latitude: float
    longitude: float
    postcode: str = ""
    city: str = ""
    citycode: str = ""  # INSEE code with BAN, "" otherwise
    country: str = ""
    score: float = 0.0

    @property
    def point(self) -> Point:
        return point_from_coordinates(self.latitude, self.longitude)


class GeocodingUnavailable(Exception):
    """The address provider did not answer usefully; ``message`` is shown to the person."""

    message = _(
        "The address search service is not available at the moment. "
        "Please try again in a few minutes."
    )

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason or "geocoding unavailable")
        self.reason = reason
        # Backend and cause only: the query is a person's address.
        logger.warning("geocoding unavailable: %s", self.reason)


# --- Coordinates ---------------------------------------------------------------


def _coordinate(value: Any, bound: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and -bound <= number <= bound else None


def point_from_coordinates(latitude: Any, longitude: Any) -> Point:
    """A WGS 84 point (x = longitude); ``ValidationError`` by field when out of range."""
    lat, lon = _coordinate(latitude, 90), _coordinate(longitude, 180)
    errors = {}
    if lat is None:
        errors["latitude"] = _("The latitude must be a number between -90 and 90.")
    if lon is None:
        errors["longitude"] = _("The longitude must be a number between -180 and 180.")
    if errors:
        raise ValidationError(errors)
    return Point(lon, lat, srid=4326)


def normalise_query(query: str) -> str:
    """Spaces collapsed, at most 200 characters, lone surrogates (from JSON) replaced."""
    text = str(query).encode("utf-8", "replace").decode("utf-8")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


# --- Throttle ------------------------------------------------------------------


class Throttle:
    """Spaces calls ``interval`` seconds apart in this process, without an endless queue.

    Each caller reserves the next free slot and sleeps until it; when that slot is more
    than ``max_wait`` seconds away the call is refused (``GeocodingUnavailable``).
    """

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._next = -math.inf

    def wait(self, max_wait: float) -> None:
        with self._lock:
            now = self.clock()
            slot = max(now, self._next)
            delay = slot - now
            if delay > max_wait:
                raise GeocodingUnavailable("throttled: too many requests waiting")
            self._next = slot + self.interval
        if delay > 0:
            self.sleep(delay)

    def reset(self) -> None:
        with self._lock:
            self._next = -math.inf


NOMINATIM_THROTTLE = Throttle(NOMINATIM_INTERVAL)


# --- Interface -----------------------------------------------------------------


class Geocoder(ABC):
    name: str = ""
    # Whether suggestions may be asked for while the person types (Nominatim forbids it).
    supports_autocomplete: bool = False

    @abstractmethod
    def search(
        self, query: str, *, limit: int = 5, near: Commune | None = None
    ) -> list[GeocodedAddress]:
        """Best matches first; ``[]`` when nothing matches or the query is too short."""

    @abstractmethod
    def reverse(self, latitude: Any, longitude: Any) -> GeocodedAddress | None:
        """The address nearest to a point, or ``None``."""


class HttpGeocoder(Geocoder):
    """A JSON-over-HTTP provider: cache, User-Agent, timeout and error mapping."""

    base_url_setting: str = ""

    def _before_request(self) -> None:
        """Hook for a provider's rate limit."""

    def _url(self, path: str, params: dict[str, Any]) -> str:
        base = getattr(settings, self.base_url_setting)
        if not base.endswith("/"):
            base += "/"
        return f"{urljoin(base, path)}?{urlencode(params)}"

    def _cache_key(self, url_base: str, path: str, params: dict[str, Any]) -> str:
        key_params = {k: str(v).casefold() if k == "q" else v for k, v in params.items()}
        raw = json.dumps([url_base, path, key_params], sort_keys=True)
        return f"geocoder:{self.name}:{hashlib.sha256(raw.encode()).hexdigest()}"

    def _cached(self, path: str, params: dict[str, Any], parse: Callable[[Any], T]) -> T:
        key = self._cache_key(getattr(settings, self.base_url_setting), path, params)
        payload = cache.get(key)
        if payload is not None:
            return parse(payload)
        payload = self._fetch(self._url(path, params))
        try:
            result = parse(payload)
        except (KeyError, IndexError, TypeError, ValueError, ValidationError) as exc:
            raise GeocodingUnavailable(f"{self.name}: unexpected answer ({exc!r})") from exc
        if payload is not None:
            cache.set(key, payload, settings.GEOCODER_CACHE_TIMEOUT)
        return result

    def _fetch(self, url: str) -> Any:
        """The decoded JSON answer, or ``None`` when the provider rejects the query (400)."""
        self._before_request()
        request = Request(  # noqa: S310 - the base URL comes from settings, not from input
            url,
            headers={
                "User-Agent": settings.GEOCODER_USER_AGENT,
                "Accept": "application/json",
                "Accept-Language": "fr",
            },
        )
        try:
            with urlopen(request, timeout=settings.GEOCODER_TIMEOUT) as response:  # noqa: S310
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except HTTPError as exc:
            if exc.code == 400:
                logger.info("%s rejected a query (400)", self.name)
                return None
            raise GeocodingUnavailable(f"{self.name}: HTTP {exc.code}") from exc
        except (OSError, http.client.HTTPException) as exc:  # timeouts, refused, DNS, reset
            raise GeocodingUnavailable(f"{self.name}: {exc!r}") from exc
        if len(body) > MAX_RESPONSE_BYTES:
            raise GeocodingUnavailable(f"{self.name}: answer too large")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise GeocodingUnavailable(f"{self.name}: answer is not JSON") from exc


def _clamp_limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- France: Base adresse nationale ---------------------------------------------


def _insee_code(commune: Commune | None) -> str:
    if commune is None or commune.country != "FR":
        return ""
    pattern = COUNTRIES["FR"].official_code_pattern
    return commune.official_code if pattern.match(commune.official_code or "") else ""


def parse_ban(payload: Any) -> list[GeocodedAddress]:
    """A BAN GeoJSON FeatureCollection (``None``: a rejected query) as addresses."""
    if payload is None:
        return []
    results = []
    for feature in payload["features"]:
        longitude, latitude = feature["geometry"]["coordinates"][:2]
        properties = feature["properties"]
        point_from_coordinates(latitude, longitude)  # a point out of range is a bad answer
        results.append(
            GeocodedAddress(
                label=_text(properties["label"]),
                latitude=float(latitude),
                longitude=float(longitude),
                postcode=_text(properties.get("postcode")),
                city=_text(properties.get("city")),
                citycode=_text(properties.get("citycode")),
                country="FR",
                score=float(properties.get("score") or 0),
            )
        )
    return results


class BanGeocoder(HttpGeocoder):
    """api-adresse.data.gouv.fr. With ``near``, the commune's addresses come first."""

    name = "ban"
    base_url_setting = "GEOCODER_BAN_URL"
    supports_autocomplete = True

    def search(
        self, query: str, *, limit: int = 5, near: Commune | None = None
    ) -> list[GeocodedAddress]:
        q = normalise_query(query)
        if len(q) < MIN_QUERY_LENGTH:
            return []
        params: dict[str, Any] = {"q": q, "limit": _clamp_limit(limit)}
        citycode = _insee_code(near)
        if citycode:
            results = self._cached("search/", {**params, "citycode": citycode}, parse_ban)
            if results:
                return results
        return self._cached("search/", params, parse_ban)

    def reverse(self, latitude: Any, longitude: Any) -> GeocodedAddress | None:
        point = point_from_coordinates(latitude, longitude)
        params = {"lat": round(point.y, 6), "lon": round(point.x, 6), "limit": 1}
        results = self._cached("reverse/", params, parse_ban)
        return results[0] if results else None


# --- Elsewhere: Nominatim (OpenStreetMap) -----------------------------------------

CITY_KEYS = ("city", "town", "village", "municipality", "city_district", "suburb", "county")


def parse_nominatim_place(place: dict[str, Any]) -> GeocodedAddress:
    address = place.get("address") or {}
    point_from_coordinates(place["lat"], place["lon"])
    return GeocodedAddress(
        label=_text(place["display_name"]),
        latitude=float(place["lat"]),
        longitude=float(place["lon"]),
        postcode=_text(address.get("postcode")),
        city=next((_text(address[key]) for key in CITY_KEYS if address.get(key)), ""),
        citycode="",
        country=_text(address.get("country_code")).upper(),
        score=float(place.get("importance") or 0),
    )


def parse_nominatim_search(payload: Any) -> list[GeocodedAddress]:
    if payload is None:
        return []
    if not isinstance(payload, list):
        raise TypeError("a list of places was expected")
    return [parse_nominatim_place(place) for place in payload]


def parse_nominatim_reverse(payload: Any) -> GeocodedAddress | None:
    if payload is None or "error" in payload:  # {"error": "Unable to geocode"}
        return None
    return parse_nominatim_place(payload)


class NominatimGeocoder(HttpGeocoder):
    """nominatim.openstreetmap.org, limited to one country (ISO code) when given.

    The public instance forbids autocomplete: the site searches only when asked.
    """

    name = "nominatim"
    base_url_setting = "GEOCODER_NOMINATIM_URL"
    supports_autocomplete = False

    def __init__(self, country_code: str = "ci") -> None:
        self.country_code = country_code.lower()

    def _before_request(self) -> None:
        NOMINATIM_THROTTLE.wait(max_wait=NOMINATIM_MAX_WAIT)

    def search(
        self, query: str, *, limit: int = 5, near: Commune | None = None
    ) -> list[GeocodedAddress]:
        q = normalise_query(query)
        if len(q) < MIN_QUERY_LENGTH:
            return []
        params: dict[str, Any] = {
            "format": "jsonv2",
            "q": q,
            "limit": _clamp_limit(limit),
            "addressdetails": 1,
        }
        if self.country_code:
            params["countrycodes"] = self.country_code
        return self._cached("search", params, parse_nominatim_search)

    def reverse(self, latitude: Any, longitude: Any) -> GeocodedAddress | None:
        point = point_from_coordinates(latitude, longitude)
        params = {
            "format": "jsonv2",
            "lat": round(point.y, 6),
            "lon": round(point.x, 6),
            "zoom": 18,
            "addressdetails": 1,
        }
        return self._cached("reverse", params, parse_nominatim_reverse)


# --- Choice by country -------------------------------------------------------------


def geocoder_for_country(country: str) -> Geocoder:
    """BAN for France, Nominatim (limited to that country when it is an ISO code) otherwise."""
    code = (country or "").strip().upper()
    if code == "FR":
        return BanGeocoder()
    return NominatimGeocoder(country_code=code if re.fullmatch(r"[A-Z]{2}", code) else "")


def geocoder_for_commune(commune: Commune | None) -> Geocoder:
    """The geocoder of a commune's country; France when there is no commune."""
    return geocoder_for_country(commune.country if commune is not None else "FR")


# --- An account's address ------------------------------------------------------------

NOT_FOUND = _(
    "We could not find this address. Check the number, the street and the town, "
    "or place the point on the map."
)


def locate_address(
    *,
    address: str,
    latitude: float | None = None,
    longitude: float | None = None,
    commune: Commune | None = None,
    defer_unavailable: bool = False,
) -> tuple[str, Point | None]:
    """The address to keep and its point (ACC-7), for forms and the API alike.

    Coordinates, when both are given (a suggestion chosen, the marker moved, GPS), are
    taken as they are with the address as typed. Otherwise the address is geocoded in
    the commune's country (France without one) and its first match's label and point
    are kept. No address and no coordinates: ``("", None)``. Raises ``ValidationError``
    by field: ``latitude``/``longitude`` out of range, ``address`` not found
    (code ``not_found``) or the provider unavailable (code ``unavailable``).

    With ``defer_unavailable``, an unavailable provider is no error: the typed address
    comes back without a point (``(address, None)``), for ``accounts.services`` to keep
    and locate later (registration never depends on the geocoder).
    """
    address = (address or "").strip()
    if latitude is not None and longitude is not None:
        return address, point_from_coordinates(latitude, longitude)
    if not address:
        return "", None
    try:
        results = geocoder_for_commune(commune).search(address, limit=1, near=commune)
    except GeocodingUnavailable as exc:
        if defer_unavailable:
            return address, None
        raise ValidationError(
            {"address": ValidationError(exc.message, code="unavailable")}
        ) from exc
    if not results:
        raise ValidationError({"address": ValidationError(NOT_FOUND, code="not_found")})
    return results[0].label, results[0].point
