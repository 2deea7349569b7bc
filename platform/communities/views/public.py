"""Public pages (CTY-3): the list of communities and their boundaries as GeoJSON; no
personal data on either."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from communes.models import Commune
from communities import selectors, services
from communities.views._common import GET, LIST_PAGE_SIZE, refusal_text, showcase_url
from core.countries import COUNTRY_CHOICES


def _public_filters(request) -> tuple[str, Commune | None, bool]:
    """``?country=FR|CI&commune=<slug>`` on the platform's host; the host's commune elsewhere.

    Returns (country, commune, unknown): ``unknown`` when the slug names no commune.
    """
    commune = getattr(request, "commune", None)
    if commune is not None:
        return "", commune, False
    country = request.GET.get("country", "").upper()
    if country not in dict(COUNTRY_CHOICES):
        country = ""
    slug = request.GET.get("commune", "").strip()
    selected = selectors.commune_by_slug(slug)
    return country, selected, bool(slug) and selected is None


def _public_queryset(request):
    country, commune, unknown = _public_filters(request)
    qs = selectors.public_communities(country=country, commune=commune)
    if unknown:
        qs = qs.none()
    return qs, country, commune


# --- public pages (CTY-3, CTY-10) ------------------------------------------------------------


@require_http_methods(GET)
def community_list(request):
    """CTY-3: name, creation date, member count and public page; nobody's personal data."""
    communities, country, selected = _public_queryset(request)
    page = Paginator(communities, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    for community in items:
        community.showcase_url = showcase_url(request, community)
    commune = getattr(request, "commune", None)
    create_refusal = ""
    membership = None
    if commune is not None and request.user.is_authenticated:
        create_refusal = refusal_text(services.create_refusal(request.user, commune))
        membership = selectors.current_membership(request.user)
    context = {
        "page_obj": page,
        "communities": items,
        "create_refusal": create_refusal,
        "membership": membership,
        "boundaries_url": reverse("communities:boundaries"),
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
    }
    if getattr(request, "commune", None) is None:
        context.update(
            countries=COUNTRY_CHOICES,
            country=country,
            selected_commune=selected,
            communes=selectors.communes_with_communities(),
        )
        if selected is not None or country:
            context["boundaries_url"] += "?" + urlencode(
                {"country": country, "commune": selected.slug if selected else ""}
            )
    return render(request, "communities/list.html", context)


@require_http_methods(GET)
def boundaries(request):
    """The boundaries of the communities as a GeoJSON FeatureCollection (public, no person)."""
    communities, _country, _commune = _public_queryset(request)
    features = [
        {
            "type": "Feature",
            "id": community.pk,
            "geometry": json.loads(community.area.geojson),
            "properties": {
                "name": community.name,
                "commune": community.commune.name,
                "member_count": community.member_count,
                "url": showcase_url(request, community),
            },
        }
        for community in communities
    ]
    response = JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=60"
    return response
