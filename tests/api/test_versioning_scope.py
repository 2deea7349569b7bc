"""The API's versioning covers /api/v1/ only (issue 14).

DRF's namespace versioning, set for the whole project, also caught Wagtail's admin API,
which its page explorer calls: every staff member's sidebar "Pages" showed a server
error. The platform's API still refuses a version it does not serve.
"""

import datetime

import pytest
from django.test import RequestFactory
from django.urls import resolve
from rest_framework.exceptions import NotFound

from api.versioning import ApiNamespaceVersioning
from communes.models import NewsPage, StaffRole
from communes.services import staff_role_grant
from tests.factories import UserFactory
from tests.two_factor import verified_login

HOST = "saint-malo.localhost"


@pytest.fixture
def news(commune):
    page = NewsPage(
        title="Marché de Noël",
        body="<p>Place Chateaubriand</p>",
        intro="Marché",
        date=datetime.date(2026, 12, 1),
    )
    commune.site.root_page.add_child(instance=page)
    return page


@pytest.fixture
def town_hall_staff(commune):
    from django.contrib.auth import get_user_model

    person = UserFactory(email="com@saint-malo.example.org")
    root = get_user_model().objects.get(email="root@example.org")
    staff_role_grant(commune=commune, user=person, role=StaffRole.Role.COMMUNICATION, by=root)
    return person


def _titles(response):
    return [item["title"] for item in response.json()["items"]]


def test_town_hall_staff_lists_the_commune_pages_in_the_explorer_api(
    client, commune, news, town_hall_staff, other_commune
):
    verified_login(client, town_hall_staff)
    home = commune.site.root_page
    # What the sidebar's explorer asks: the start page, then its children.
    detail = client.get(f"/admin/api/main/pages/{home.pk}/")
    assert detail.status_code == 200, detail.content
    assert detail.json()["title"] == "Saint-Malo"
    listing = client.get(
        "/admin/api/main/pages/",
        {"child_of": home.pk, "for_explorer": "1", "fields": "parent,children"},
    )
    assert listing.status_code == 200, listing.content
    assert "Marché de Noël" in _titles(listing)
    assert "Cocody" not in _titles(listing)


def test_the_platform_admin_lists_every_commune_home(client, commune, other_commune):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.get(email="root@example.org")
    verified_login(client, root)
    tree_root = commune.site.root_page.get_parent()
    listing = client.get("/admin/api/main/pages/", {"child_of": tree_root.pk, "for_explorer": "1"})
    assert listing.status_code == 200, listing.content
    assert {"Saint-Malo", "Cocody"} <= set(_titles(listing))


def test_the_headless_api_is_not_versioned_either(client, news):
    response = client.get("/api/cms/v2/pages/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert "Marché de Noël" in _titles(response)


def test_the_platform_api_still_refuses_an_unknown_version(client, commune):
    assert client.get("/api/v1/communes/").status_code == 200
    response = client.get("/api/v2/communes/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Introuvable."}


def test_the_versioning_reads_the_version_inside_the_api_namespace_only():
    scheme = ApiNamespaceVersioning()
    request = RequestFactory().get("/api/v1/communes/")
    request.resolver_match = resolve("/api/v1/communes/")
    assert scheme.determine_version(request) == "v1"
    request.resolver_match = resolve("/admin/api/main/pages/")
    assert scheme.determine_version(request) is None
    # A namespace the API does not serve (an api:v9 include added by mistake) is a 404.
    request.resolver_match = type("Match", (), {"namespaces": ["api", "v9"], "namespace": "api:v9"})
    with pytest.raises(NotFound):
        scheme.determine_version(request)
