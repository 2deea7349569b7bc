import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.services import module_set_enabled
from tests.factories import make_commune

LIST = reverse("api:v1:commune-list")


def detail(slug):
    return reverse("api:v1:commune-detail", args=[slug])


def root():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="root@example.org")


def module_labels(entry):
    return [m["label"] for m in entry["modules"]]


def test_public_list_and_detail(api_client, commune, other_commune):
    response = api_client.get(LIST)
    assert response.status_code == 200
    names = [c["name"] for c in response.json()["results"]]
    assert names == ["Cocody", "Saint-Malo"]
    body = api_client.get(detail("saint-malo")).json()
    assert body["official_code"] == "35288"
    assert body["postal_codes"] == ["35400"]
    assert body["hostname"] == "saint-malo.localhost"
    assert module_labels(body) == [
        "classifieds",
        "twinning",
        "alerts",
        "groups",
        "polls",
        "suggestions",
        "reports",
    ]


def test_enabled_modules_reflect_switches(api_client, commune, other_commune):
    module_set_enabled(by=root(), commune=commune, module="classifieds", enabled=False)
    assert module_labels(api_client.get(detail("saint-malo")).json()) == [
        "twinning",
        "alerts",
        "groups",
        "polls",
        "suggestions",
        "reports",
    ]
    listed = {c["slug"]: module_labels(c) for c in api_client.get(LIST).json()["results"]}
    assert listed == {
        "saint-malo": ["twinning", "alerts", "groups", "polls", "suggestions", "reports"],
        "cocody": [
            "classifieds",
            "twinning",
            "alerts",
            "groups",
            "polls",
            "suggestions",
            "reports",
        ],
    }


def test_filter_by_country(api_client, commune, other_commune):
    response = api_client.get(LIST, {"country": "CI"})
    assert [c["slug"] for c in response.json()["results"]] == ["cocody"]


def test_unknown_slug_is_404(api_client, db):
    assert api_client.get(detail("nowhere")).status_code == 404


@pytest.mark.parametrize("extra", [2, 20])
def test_list_is_o1_queries(api_client, partner, extra, django_assert_max_num_queries):
    communes = [make_commune(partner) for _ in range(2)]
    module_set_enabled(by=root(), commune=communes[0], module="classifieds", enabled=False)
    with CaptureQueriesContext(connection) as few:
        api_client.get(LIST)
    for _ in range(extra):
        make_commune(partner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api_client.get(LIST)
    assert response.json()["count"] == 2 + extra
