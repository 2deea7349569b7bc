"""Malformed input is a 400, never a 500 (issue 21, items 6 and 7).

* A JSON document nested deeper than Python's recursion limit (10 KB of ``[``) made
  ``json.loads`` raise RecursionError on every JSON endpoint, before authentication.
* A cursor edited by hand (``cD1hYmM=`` is ``p=abc``) raised while building the query
  of every cursor-paginated list; one that is not base64 at all was DRF's 404.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from rest_framework.test import APIClient

from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
NESTED_MESSAGE = "JSON parse error: the document is nested too deeply."
CURSOR_MESSAGE = "This cursor is not valid: start again from the first page."


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def test_a_deeply_nested_body_is_a_400_before_authentication():
    response = APIClient().post(
        "/api/v1/auth/tokens/", DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": NESTED_MESSAGE}


def test_a_deeply_nested_body_is_a_400_on_a_view_with_its_own_parsers(resident):
    # The communities' create view lists its parsers itself (core.api_parsers.JSONParser).
    response = token_client(resident).post(
        "/api/v1/communities/", DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": NESTED_MESSAGE}


def test_a_reasonably_nested_body_still_parses(resident):
    body = '{"email": "x@example.org", "password": "x", "device_name": ' + "[" * 50 + "]" * 50 + "}"
    response = APIClient().post(
        "/api/v1/auth/tokens/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "device_name" in response.json()  # a field error: the body was read


@pytest.mark.parametrize(
    "cursor",
    [
        "cD1hYmM%3D",  # p=abc: not a date
        "cj0xJnA9bm90LWEtZGF0ZQ%3D%3D",  # r=1&p=not-a-date
        "a",  # not base64 (DRF's "Invalid cursor", a 404 until now)
        "bz0tNQ%3D%3D",  # o=-5: a negative offset
    ],
)
@pytest.mark.parametrize(
    "path", ["/api/v1/me/notifications/", "/api/v1/messages/threads/"], ids=["centre", "inbox"]
)
def test_a_malformed_cursor_is_a_400_on_cursor(resident, path, cursor):
    response = token_client(resident).get(f"{path}?cursor={cursor}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"cursor": [CURSOR_MESSAGE]}


def test_a_body_over_the_size_limit_is_a_json_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = '{"email": "' + "x" * 4000 + '@example.org", "password": "x", "device_name": "t"}'
    response = APIClient().post(
        "/api/v1/auth/tokens/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is too large (at most 2 kB)."}


def test_csrf_and_permission_failures_are_json_under_api_only(rf):
    from core.views import csrf_failure, permission_denied

    refused = csrf_failure(rf.post("/api/v1/me/"), reason="CSRF cookie not set.")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/json"
    assert json.loads(refused.content)["detail"].startswith("CSRF check failed")
    page = csrf_failure(rf.post("/compte/profil/"), reason="CSRF cookie not set.")
    assert page.status_code == 403
    assert page["Content-Type"].startswith("text/html")
    denied = permission_denied(rf.get("/api/v1/me/"), PermissionDenied("Not yours."))
    assert (denied.status_code, json.loads(denied.content)) == (403, {"detail": "Not yours."})
