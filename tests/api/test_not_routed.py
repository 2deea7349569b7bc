"""An address under /api/ that no route matches is the JSON 404 for every method, never
Django's HTML CSRF page (found by the contract test: a POST to a commune slug with
non-ASCII letters fell through to Wagtail's pages)."""

import pytest
from django.test import Client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/communes/v%C3%9E/classifieds/",
        "/api/v1/communes/v%C3%9E/alerts/",
        "/api/v2/communes/",
        "/api/nothing-here/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_unrouted_api_addresses_are_a_json_404(db, commune, path, method):
    client = Client(enforce_csrf_checks=True)
    if method == "get":
        response = client.get(path)
    else:
        response = getattr(client, method)(
            path, "a=b", content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Introuvable."}
