"""The site's address search (ACC-7): suggestions for the address field, as JSON.

``GET ?q=…`` searches (fewer than 3 characters: no results); ``GET ?lat=…&lon=…`` gives
the address of a point ("use my position"). The commune is ``?commune=<slug>`` or the
host's commune; its country picks the geocoder.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.geocoding import (
    MIN_QUERY_LENGTH,
    GeocodedAddress,
    GeocodingUnavailable,
    geocoder_for_commune,
    normalise_query,
)
from communes.models import Commune

SUGGESTIONS = 5
PUBLIC_FIELDS = ("label", "latitude", "longitude", "postcode", "city")


class UnknownCommune(Exception):
    pass


def _commune(request: HttpRequest) -> Commune | None:
    slug = request.GET.get("commune", "").strip()
    if not slug:
        return getattr(request, "commune", None)
    if not slug_re.fullmatch(slug):  # e.g. a NUL byte, which PostgreSQL refuses
        raise UnknownCommune(slug)
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise UnknownCommune(slug)
    return commune


def _public(address: GeocodedAddress) -> dict:
    return {field: getattr(address, field) for field in PUBLIC_FIELDS}


def _error(message, status: int) -> JsonResponse:
    return JsonResponse({"error": str(message), "results": []}, status=status)


def _find(request: HttpRequest, commune: Commune | None) -> list[GeocodedAddress]:
    geocoder = geocoder_for_commune(commune)
    if "lat" in request.GET or "lon" in request.GET:
        found = geocoder.reverse(request.GET.get("lat"), request.GET.get("lon"))
        return [found] if found else []
    query = normalise_query(request.GET.get("q", ""))
    if len(query) < MIN_QUERY_LENGTH:
        return []
    return geocoder.search(query, limit=SUGGESTIONS, near=commune)


@require_GET
def address_search(request: HttpRequest) -> JsonResponse:
    try:
        results = _find(request, _commune(request))
    except UnknownCommune:
        return _error(_("Unknown commune."), 404)
    except ValidationError:
        return _error(_("The position is not valid."), 400)
    except GeocodingUnavailable as exc:
        return _error(exc.message, 503)
    return JsonResponse({"results": [_public(address) for address in results]})
