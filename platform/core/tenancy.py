"""Tenancy: which commune a request is about.

On the site, the commune comes from the host name: each commune is a Wagtail
``Site`` whose root page is its ``CommunePage``. In the API, one app follows
several communes, so the commune is named in the path
(``/api/v1/communes/{commune_slug}/…``).
"""

from __future__ import annotations

from django.apps import apps
from django.http import Http404
from wagtail.models import Site


def commune_for_site(site: Site | None):
    if site is None:
        return None
    Commune = apps.get_model("communes", "Commune")
    return Commune.objects.filter(site_id=site.pk).first()


class CommuneMiddleware:
    """Sets ``request.commune`` from the request's Wagtail site (``None`` off-commune)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.commune = commune_for_site(Site.find_for_request(request))
        return self.get_response(request)


def bind_commune_from_path(request, kwargs: dict) -> None:
    """In the API, ``commune_slug`` in the path names the commune (404 if unknown)."""
    slug = kwargs.get("commune_slug")
    if slug is None:
        return
    commune = getattr(request, "_path_commune", None)
    if commune is None or commune.slug != slug:
        Commune = apps.get_model("communes", "Commune")
        commune = Commune.objects.filter(slug=slug).first()
        if commune is None:
            raise Http404("No such commune.")
        request._path_commune = commune
    request.commune = commune
