import pytest
from rest_framework.test import APIClient

from modules.classifieds.models import Classified
from modules.classifieds.services import classified_close

BASE = "/api/v1/communes/saint-malo/classifieds/"
OUTPUT_FIELDS = {
    "id",
    "kind",
    "title",
    "description",
    "contact",
    "show_phone",
    "show_email",
    "author_contact",
    "status",
    "author_display_name",
    "author",
    "is_mine",
    "created_at",
    "expires_at",
    "closed_at",
}


@pytest.fixture
def api(commune, resident):
    client = APIClient()
    client.force_authenticate(resident)
    return client


def valid_input(**overrides):
    data = {
        "kind": "offer",
        "title": "Cours de guitare",
        "description": "Débutants bienvenus.",
        "contact": "Au 06 11 22 33 44",
    }
    data.update(overrides)
    return data


def test_list_returns_open_classifieds_of_the_commune(
    api, commune, other_commune, resident, neighbour, publish
):
    mine = publish(commune, resident, title="La mienne")
    theirs = publish(commune, neighbour, title="La sienne")
    publish(other_commune, resident, title="Ailleurs")
    classified_close(classified=publish(commune, resident, title="Fermée"), by=resident)
    response = api.get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["results"]] == [theirs.pk, mine.pk]
    assert set(body["results"][0]) == OUTPUT_FIELDS
    # Fellow residents are "anyone else" in the privacy matrix: no real name.
    assert body["results"][0]["author_display_name"] == "Un habitant"
    assert body["results"][0]["author"]["last_name"] is None
    assert body["results"][1]["author"]["relation"] == "self"
    assert body["results"][0]["is_mine"] is False
    assert body["results"][1]["is_mine"] is True


def test_author_email_is_never_in_the_output(api, commune, resident, neighbour, publish):
    publish(commune, neighbour)  # unless they choose to show it: test_contact.py
    assert neighbour.email not in api.get(BASE).content.decode()


def test_list_filters_by_kind(api, commune, resident, publish):
    publish(commune, resident, kind="offer")
    request = publish(commune, resident, kind="request")
    body = api.get(BASE, {"kind": "request"}).json()
    assert [item["id"] for item in body["results"]] == [request.pk]


def test_unknown_kind_filter_is_a_400(api, commune):
    response = api.get(BASE, {"kind": "sale"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_list_page_out_of_range_is_a_404(api, commune):
    assert api.get(BASE, {"page": 9}).status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_does_not_grow(
    api, commune, resident, publish, count, django_assert_max_num_queries
):
    for _ in range(count):
        publish(commune, resident)
    # + staff groups and authors (privacy), + is a validated resident (ACC-10)
    with django_assert_max_num_queries(9):
        response = api.get(BASE)
    assert response.status_code == 200
    assert response.json()["count"] == count


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", BASE),
        ("post", BASE),
        ("get", BASE + "mine/"),
        ("get", BASE + "1/"),
        ("post", BASE + "1/close/"),
    ],
)
def test_anonymous_is_refused(commune, method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401


def test_resident_publishes(api, commune, resident):
    response = api.post(BASE, valid_input(days=10), format="json")
    assert response.status_code == 201
    body = response.json()
    classified = Classified.objects.get()
    assert body["id"] == classified.pk
    assert set(body) == OUTPUT_FIELDS
    assert body["status"] == "open"
    assert body["is_mine"] is True
    assert classified.author == resident
    assert classified.commune == commune


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "sale"}, "kind"),
        ({"kind": None}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"description": "x" * 3001}, "description"),
        ({"contact": "x" * 201}, "contact"),
        ({"contact": "nul \x00"}, "contact"),
        ({"days": 0}, "days"),
        ({"days": 91}, "days"),
        ({"days": "many"}, "days"),
        ({"days": 10**30}, "days"),
        ({"title": "   "}, "title"),
        ({"contact": 0}, "contact"),
        ({"title": True}, "title"),
        ({"days": True}, "days"),
        ({"days": 1.5}, "days"),
    ],
)
def test_bad_input_is_a_400_with_field_messages(api, commune, overrides, field):
    response = api.post(BASE, valid_input(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Classified.objects.exists()


def test_missing_fields_are_a_400(api, commune):
    response = api.post(BASE, {}, format="json")
    assert response.status_code == 400
    # The contact note is optional: the author may show their phone or e-mail instead.
    assert set(response.json()) == {"kind", "title", "description"}


def test_malformed_json_is_a_400(api, commune):
    response = api.post(BASE, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_retrieve(api, commune, resident, publish):
    classified = publish(commune, resident)
    response = api.get(f"{BASE}{classified.pk}/")
    assert response.status_code == 200
    assert response.json()["contact"] == "06 12 34 56 78"


@pytest.mark.parametrize("pk", ["0", "999999", "99999999999999999999999"])
def test_retrieve_unknown_id_is_a_404(api, commune, pk):
    assert api.get(f"{BASE}{pk}/").status_code == 404


def test_retrieve_non_integer_id_is_a_404(api, commune):
    assert api.get(f"{BASE}abc/").status_code == 404


def test_retrieve_classified_of_other_commune_is_a_404(api, other_commune, resident, publish):
    classified = publish(other_commune, resident)
    assert api.get(f"{BASE}{classified.pk}/").status_code == 404


def test_unknown_commune_is_a_404(api, commune):
    assert api.get("/api/v1/communes/nowhere/classifieds/").status_code == 404


def test_author_closes_through_the_api(api, commune, resident, publish):
    classified = publish(commune, resident)
    response = api.post(f"{BASE}{classified.pk}/close/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    again = api.post(f"{BASE}{classified.pk}/close/")
    assert again.status_code == 200
    assert again.json()["closed_at"] == response.json()["closed_at"]


def test_other_resident_cannot_close_through_the_api(commune, resident, neighbour, publish):
    classified = publish(commune, resident)
    client = APIClient()
    client.force_authenticate(neighbour)
    response = client.post(f"{BASE}{classified.pk}/close/")
    assert response.status_code == 404  # not yours: not found, as when editing
    classified.refresh_from_db()
    assert classified.status == Classified.Status.OPEN


def test_mine_lists_own_classifieds_in_every_status(api, commune, resident, neighbour, publish):
    closed = publish(commune, resident)
    classified_close(classified=closed, by=resident)
    open_one = publish(commune, resident)
    publish(commune, neighbour)
    body = api.get(BASE + "mine/").json()
    assert [item["id"] for item in body["results"]] == [open_one.pk, closed.pk]
    assert {item["status"] for item in body["results"]} == {"open", "closed"}


def test_close_with_get_is_a_405(api, commune, resident, publish):
    classified = publish(commune, resident)
    assert api.get(f"{BASE}{classified.pk}/close/").status_code == 405
