"""The residents' problem reports API (REP-1, REP-2): /api/v1/communes/{slug}/reports/."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from modules.reports.models import Follower, Photo, Report, Update
from tests.api.conftest import token_client
from tests.modules.reports.helpers import (
    DINAN_FAR,
    SAINT_MALO,
    jpeg,
    make_report,
    offset,
    with_centre,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/communes/saint-malo/reports/"
A_RESIDENT = ("A resident", "Un habitant")


def add_photo(report, position=0):
    from django.core.files.base import ContentFile

    return Photo.objects.create(
        report=report,
        image=ContentFile(b"\xff\xd8jpeg", name="p.jpg"),
        width=10,
        height=10,
        position=position,
    )


# --- the list ----------------------------------------------------------------------------


def test_list_newest_first_with_its_fields_and_no_reporter_name(
    commune, resident, neighbour, pothole, graffiti
):
    older = make_report(commune, resident, pothole, title="Un trou rue de la Paix")
    older.created_at = timezone.now() - timedelta(hours=2)
    older.save(update_fields=["created_at"])
    newer = make_report(commune, neighbour, graffiti, title="Tag sur l'école", point=None)
    photo = add_photo(older)
    response = token_client(resident).get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert [first["id"], second["id"]] == [newer.pk, older.pk]
    assert second["title"] == "Un trou rue de la Paix"
    assert second["category"] == {"id": pothole.pk, "name": "Nid de poule"}
    assert (second["status"], second["followers_count"]) == ("new", 1)
    assert second["latitude"] == pytest.approx(SAINT_MALO[0])
    assert second["longitude"] == pytest.approx(SAINT_MALO[1])
    assert (first["latitude"], first["longitude"]) == (None, None)
    assert (second["is_mine"], second["following"]) == (True, True)
    assert (first["is_mine"], first["following"]) == (False, False)
    assert second["reporter"] in A_RESIDENT
    assert first["reporter"] in A_RESIDENT
    assert "Martin" not in response.content.decode()
    assert "Durand" not in response.content.decode()
    assert len(second["photos"]) == 1
    assert second["photos"][0].startswith("http")
    assert second["photos"][0].endswith(f"/problemes/photos/{photo.key}.jpg")
    assert first["photos"] == []
    assert "description" not in second


def test_the_staff_who_handle_a_report_read_its_reporter_in_the_list(
    commune, resident, pothole, street_light, roads_agent, lighting_agent
):
    hole = make_report(commune, resident, pothole)
    light = make_report(commune, resident, street_light)
    rows = {row["id"]: row for row in token_client(roads_agent).get(BASE).json()["results"]}
    assert rows[hole.pk]["reporter"] == resident.get_full_name()
    assert rows[light.pk]["reporter"] in A_RESIDENT
    rows = {row["id"]: row for row in token_client(lighting_agent).get(BASE).json()["results"]}
    assert rows[light.pk]["reporter"] == resident.get_full_name()
    assert rows[hole.pk]["reporter"] in A_RESIDENT
    api = token_client(roads_agent)
    assert api.get(f"{BASE}{hole.pk}/").json()["reporter"] == resident.get_full_name()
    assert api.get(f"{BASE}{light.pk}/").json()["reporter"] in A_RESIDENT


def test_list_filters(commune, resident, neighbour, pothole, graffiti):
    mine = make_report(commune, resident, pothole, title="Le mien")
    followed = make_report(commune, neighbour, graffiti, title="Suivi")
    Follower.objects.create(report=followed, user=resident)
    resolved = make_report(
        commune, neighbour, pothole, title="Réparé", status=Report.Status.RESOLVED
    )
    far = make_report(commune, neighbour, pothole, title="Loin", point=DINAN_FAR)
    api = token_client(resident)

    def ids(**params):
        response = api.get(BASE, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="open") == {mine.pk, followed.pk, far.pk}
    assert ids(status="closed") == {resolved.pk}
    assert ids(status="resolved") == {resolved.pk}
    assert ids(status="acknowledged") == set()
    assert ids(category=graffiti.pk) == {followed.pk}
    assert ids(mine="true") == {mine.pk}
    assert ids(mine="false") == {mine.pk, followed.pk, resolved.pk, far.pk}
    assert ids(following="true") == {mine.pk, followed.pk}
    lat, lon = SAINT_MALO
    assert ids(bbox=f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}") == {
        mine.pk,
        followed.pk,
        resolved.pk,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"category": "x"}, "category"),
        ({"category": "0"}, "category"),
        ({"category": str(2**63)}, "category"),
        ({"mine": "yes"}, "mine"),
        ({"following": "2"}, "following"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "3,2,1,4"}, "bbox"),
        ({"bbox": "nan,1,2,3"}, "bbox"),
        ({"bbox": "-200,1,2,3"}, "bbox"),
    ],
)
def test_list_bad_filters_are_400_by_field(commune, resident, params, field):
    response = token_client(resident).get(BASE, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_hidden_reports_are_left_out_but_for_their_author(commune, resident, neighbour, pothole):
    hidden = make_report(commune, resident, pothole, hidden_at=timezone.now())
    shown = make_report(commune, resident, pothole)
    rows = token_client(neighbour).get(BASE).json()["results"]
    assert [row["id"] for row in rows] == [shown.pk]
    assert token_client(neighbour).get(f"{BASE}{hidden.pk}/").status_code == 404
    rows = token_client(resident).get(BASE).json()["results"]
    assert {row["id"] for row in rows} == {shown.pk, hidden.pk}
    assert token_client(resident).get(f"{BASE}{hidden.pk}/").status_code == 200


def test_only_the_communes_validated_residents_and_staff_read_it(
    commune, resident, pothole, outsider, newcomer, other_agent
):
    make_report(commune, resident, pothole)
    for person in (outsider, newcomer, other_agent):
        api = token_client(person)
        assert api.get(BASE).status_code == 403
        assert api.get(f"{BASE}map/").status_code == 403
        assert api.get(f"{BASE}categories/").status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get(BASE).status_code == 401


def _list_queries(api, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(BASE, params)
    assert response.status_code == 200
    return len(queries)


def test_the_list_is_o1_in_queries(commune, resident, neighbour, pothole, roads_agent):
    def fill(count):
        for index in range(count):
            report = make_report(commune, neighbour, pothole, title=f"Trou {index}")
            add_photo(report)
            add_photo(report, position=1)
            Follower.objects.create(report=report, user=resident)

    for person in (resident, roads_agent):
        Report.objects.all().delete()
        fill(1)
        api = token_client(person)
        api.get(BASE)  # warm the caches (content types, the token's last use)
        one = _list_queries(api)
        fill(19)
        twenty = _list_queries(api)
        assert twenty == one
        assert len(api.get(BASE).json()["results"]) == 20


# --- one report --------------------------------------------------------------------------


def test_detail_with_description_answers_history(commune, resident, neighbour, pothole, mayor):
    report = make_report(commune, resident, pothole, answers={"danger": "oui"})
    Update.objects.create(
        report=report,
        kind=Update.Kind.STATUS,
        status=Report.Status.ACKNOWLEDGED,
        previous_status=Report.Status.NEW,
        note="Nous passerons mardi.",
        by=mayor,
        public_by="Voirie",
    )
    response = token_client(neighbour).get(f"{BASE}{report.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == "Un trou profond devant le numéro 12."
    assert body["answers"] == {"danger": "oui"}
    assert [step["status"] for step in body["history"]] == ["new", "acknowledged"]
    step = body["history"][1]
    assert (step["kind"], step["note"], step["public_by"]) == (
        "status",
        "Nous passerons mardi.",
        "Voirie",
    )
    assert "by" not in step
    assert "Leroy" not in response.content.decode()
    assert body["reporter"] in A_RESIDENT
    assert (body["can_answer_fixed"], body["merged_into"], body["is_mine"]) == (
        False,
        None,
        False,
    )


def test_detail_404_for_another_communes_report_and_unknown_ids(
    commune, resident, other_commune, other_category, outsider
):
    foreign = make_report(other_commune, outsider, other_category)
    api = token_client(resident)
    assert api.get(f"{BASE}{foreign.pk}/").status_code == 404
    assert api.get(f"{BASE}999999/").status_code == 404
    assert api.get(f"{BASE}{2**63}/").status_code == 404
    assert api.post(f"{BASE}{foreign.pk}/follow/").status_code == 404


# --- reporting ---------------------------------------------------------------------------


def test_report_with_a_point_in_json(commune, resident, pothole, roads_agent):
    with_centre(commune)
    latitude, longitude = offset(SAINT_MALO, north_m=100)
    response = token_client(resident).post(
        BASE,
        {
            "category": pothole.pk,
            "title": "Un trou",
            "description": "Devant la boulangerie.",
            "latitude": latitude,
            "longitude": longitude,
            "answers": {"danger": "oui"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get()
    assert body["id"] == report.pk
    assert (report.author, report.category, report.status) == (resident, pothole, "new")
    assert report.location_source == "map"
    assert report.location.y == pytest.approx(latitude)
    assert (body["is_mine"], body["following"], body["followers_count"]) == (True, True, 1)
    assert [step["status"] for step in body["history"]] == ["new"]
    assert body["answers"] == {"danger": "oui"}


def test_report_multipart_with_photos_and_answers_as_json_text(commune, resident, pothole):
    with_centre(commune)
    response = token_client(resident).post(
        BASE,
        {
            "category": pothole.pk,
            "title": "Un trou",
            "description": "Devant la boulangerie.",
            "latitude": SAINT_MALO[0],
            "longitude": SAINT_MALO[1],
            "location_source": "device",
            "answers": json.dumps({"danger": "non"}),
            "photos": [jpeg(name="a.jpg"), jpeg(name="b.jpg", color=(10, 20, 30))],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    keys = list(report.photos.order_by("position").values_list("key", flat=True))
    assert len(keys) == 2
    body = response.json()
    assert [url.rsplit("/", 1)[1] for url in body["photos"]] == [f"{key}.jpg" for key in keys]
    assert report.location_source == "device"
    assert report.answers == {"danger": "non"}


def test_a_photos_gps_position_locates_the_report(commune, resident, graffiti):
    with_centre(commune)
    spot = offset(SAINT_MALO, east_m=200)
    response = token_client(resident).post(
        BASE,
        {
            "category": graffiti.pk,
            "title": "Un tag",
            "description": "Sur le mur de l'école.",
            "photos": [jpeg(gps=spot)],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.location_source == "photo"
    assert report.location.y == pytest.approx(spot[0], abs=1e-4)
    assert report.location.x == pytest.approx(spot[1], abs=1e-4)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": DINAN_FAR[0], "longitude": DINAN_FAR[1]}, "location"),
        ({"latitude": None, "longitude": None}, "location"),
        ({"longitude": None}, "longitude"),
        ({"latitude": 91}, "latitude"),
        ({"title": "ab"}, "title"),
        ({"title": 12}, "title"),
        ({"description": ""}, "description"),
        ({"category": "x"}, "category"),
        ({"answers": {}}, "answers"),
        ({"answers": ["oui"]}, "answers"),
        ({"location_source": "guess"}, "location_source"),
    ],
)
def test_report_bad_input_is_400_by_field(commune, resident, pothole, change, field):
    with_centre(commune, radius_km=15)
    data = {
        "category": pothole.pk,
        "title": "Un trou",
        "description": "Devant la boulangerie.",
        "latitude": SAINT_MALO[0],
        "longitude": SAINT_MALO[1],
        "answers": {"danger": "oui"},
    }
    data.update(change)
    data = {key: value for key, value in data.items() if value is not None}
    response = token_client(resident).post(BASE, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Report.objects.exists()


def test_report_with_null_coordinates_and_empty_form_fields_uses_the_address(
    commune, resident, graffiti, fake_geocoder
):
    response = token_client(resident).post(
        BASE,
        {
            "category": graffiti.pk,
            "title": "Un tag",
            "description": "Sur le mur de l'église.",
            "address": "12 rue de l'Église Saint-Malo",
            "latitude": None,
            "longitude": None,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["address"] == "12 Rue de l'Église 35400 Saint-Malo"
    assert (round(body["latitude"], 6), round(body["longitude"], 6)) == (48.649337, -2.025674)
    response = token_client(resident).post(
        BASE,
        {
            "category": graffiti.pk,
            "title": "Un autre tag",
            "description": "Sur la porte de l'église.",
            "address": "12 rue de l'Église Saint-Malo",
            "latitude": "",
            "longitude": "",
            "location_source": "",
            "answers": "",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert Report.objects.filter(location_source="address").count() == 2


def test_geocoder_down_keeps_the_report_to_locate_later(commune, resident, graffiti, fake_geocoder):
    fake_geocoder.down()
    response = token_client(resident).post(
        BASE,
        {
            "category": graffiti.pk,
            "title": "Un tag",
            "description": "Sur le mur.",
            "address": "12 rue de l'Église Saint-Malo",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["latitude"], body["longitude"]) == (None, None)
    assert body["address"] == "12 rue de l'Église Saint-Malo"
    assert Report.objects.get().locate_pending is True


def test_an_address_not_found_is_400(commune, resident, graffiti, fake_geocoder):
    response = token_client(resident).post(
        BASE,
        {
            "category": graffiti.pk,
            "title": "Un tag",
            "description": "Sur le mur.",
            "address": "Nulle part du tout",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["address"]


def test_module_off_is_404(commune, resident, pothole):
    from communes.services import module_set_enabled
    from tests.follows import root

    report = make_report(commune, resident, pothole)
    module_set_enabled(by=root(), commune=commune, module="reports", enabled=False)
    api = token_client(resident)
    for url in (BASE, f"{BASE}{report.pk}/", f"{BASE}map/", f"{BASE}categories/"):
        assert api.get(url).status_code == 404, url


def test_the_schema_documents_every_operation(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    base = "/api/v1/communes/{commune_slug}/reports/"
    operations = {
        (path, method): operation
        for path, item in paths.items()
        if path.startswith(base)
        for method, operation in item.items()
    }
    assert {(path[len(base) :], method) for path, method in operations} == {
        ("", "get"),
        ("", "post"),
        ("{problem_id}/", "get"),
        ("{problem_id}/follow/", "post"),
        ("{problem_id}/follow/", "delete"),
        ("{problem_id}/fixed/", "post"),
        ("nearby/", "get"),
        ("map/", "get"),
        ("categories/", "get"),
        ("manage/", "get"),
        ("manage/{problem_id}/", "get"),
        ("manage/{problem_id}/status/", "post"),
        ("manage/{problem_id}/category/", "post"),
        ("manage/{problem_id}/merge/", "post"),
        ("manage/bulk/", "post"),
        ("manage/stats/", "get"),
    }
    for operation in operations.values():
        assert operation["tags"] == ["reports"]
        assert operation["operationId"].startswith("reports_")
    create = operations[(base, "post")]
    assert {"201", "400", "401", "403", "429"} <= set(create["responses"])
    assert set(create["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"200", "400", "401", "403", "404"} <= set(
        operations[(f"{base}nearby/", "get")]["responses"]
    )
    assert {"200", "400"} <= set(operations[(f"{base}map/", "get")]["responses"])
    assert {"200", "401", "403", "404"} <= set(
        operations[(f"{base}manage/{{problem_id}}/", "get")]["responses"]
    )


def test_report_in_another_communes_or_a_retired_category_is_400(
    commune, resident, pothole, other_category
):
    with_centre(commune)
    pothole.active = False
    pothole.save(update_fields=["active"])
    for category in (pothole, other_category):
        response = token_client(resident).post(
            BASE,
            {
                "category": category.pk,
                "title": "Un trou",
                "description": "Devant la boulangerie.",
                "latitude": SAINT_MALO[0],
                "longitude": SAINT_MALO[1],
            },
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()) == ["category"]


def test_only_validated_residents_report(commune, graffiti, newcomer, outsider, roads_agent):
    with_centre(commune)
    data = {
        "category": graffiti.pk,
        "title": "Un tag",
        "description": "Sur le mur.",
        "latitude": SAINT_MALO[0],
        "longitude": SAINT_MALO[1],
    }
    for person in (newcomer, outsider, roads_agent):
        response = token_client(person).post(BASE, data, format="json")
        assert response.status_code == 403, person
    assert not Report.objects.exists()


def test_beyond_the_hourly_limit_is_429(commune, resident, graffiti, real_limits):
    with_centre(commune)
    for index in range(10):
        make_report(commune, resident, graffiti, title=f"Tag {index}", description=f"Mur {index}")
    response = token_client(resident).post(
        BASE,
        {
            "category": graffiti.pk,
            "title": "Un tag",
            "description": "Encore un.",
            "latitude": SAINT_MALO[0],
            "longitude": SAINT_MALO[1],
        },
        format="json",
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()
    assert Report.objects.count() == 10


# --- follow, fixed ------------------------------------------------------------------------


def test_follow_then_again_then_unfollow(commune, resident, neighbour, pothole):
    report = make_report(commune, resident, pothole)
    api = token_client(neighbour)
    response = api.post(f"{BASE}{report.pk}/follow/")
    assert response.status_code == 201
    assert response.json() == {"following": True, "followers_count": 2}
    response = api.post(f"{BASE}{report.pk}/follow/")
    assert response.status_code == 200
    assert response.json() == {"following": True, "followers_count": 2}
    assert api.get(f"{BASE}{report.pk}/").json()["following"] is True
    assert api.delete(f"{BASE}{report.pk}/follow/").status_code == 204
    assert api.delete(f"{BASE}{report.pk}/follow/").status_code == 204
    report.refresh_from_db()
    assert report.followers_count == 1
    assert not Follower.objects.filter(report=report, user=neighbour).exists()


def test_a_closed_report_cannot_be_followed(commune, resident, neighbour, pothole):
    report = make_report(commune, resident, pothole, status=Report.Status.RESOLVED)
    response = token_client(neighbour).post(f"{BASE}{report.pk}/follow/")
    assert response.status_code == 400
    assert not Follower.objects.filter(report=report, user=neighbour).exists()


def test_answer_not_fixed_reopens_the_report(commune, resident, neighbour, pothole):
    now = timezone.now()
    report = make_report(
        commune,
        resident,
        pothole,
        status=Report.Status.RESOLVED,
        resolved_at=now - timedelta(days=30),
        fixed_asked_at=now - timedelta(days=1),
    )
    assert token_client(resident).get(f"{BASE}{report.pk}/").json()["can_answer_fixed"] is True
    assert token_client(neighbour).get(f"{BASE}{report.pk}/").json()["can_answer_fixed"] is False
    refused = token_client(neighbour).post(
        f"{BASE}{report.pk}/fixed/", {"fixed": False, "note": "Non."}, format="json"
    )
    assert refused.status_code == 403
    bad = token_client(resident).post(f"{BASE}{report.pk}/fixed/", {"fixed": "no"}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()) == ["fixed"]
    response = token_client(resident).post(
        f"{BASE}{report.pk}/fixed/",
        {"fixed": False, "note": "Le trou est revenu."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["fixed_answer"], body["can_answer_fixed"]) == (
        "acknowledged",
        "no",
        False,
    )
    assert body["history"][-1]["kind"] == "reopened"
    assert body["history"][-1]["note"] == "Le trou est revenu."
    again = token_client(resident).post(f"{BASE}{report.pk}/fixed/", {"fixed": True}, format="json")
    assert again.status_code == 400


def test_answer_fixed_yes(commune, resident, pothole):
    now = timezone.now()
    report = make_report(
        commune,
        resident,
        pothole,
        status=Report.Status.RESOLVED,
        resolved_at=now - timedelta(days=30),
        fixed_asked_at=now,
    )
    response = token_client(resident).post(
        f"{BASE}{report.pk}/fixed/", {"fixed": True}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["fixed_answer"]) == ("resolved", "yes")
    assert body["history"][-1]["kind"] == "fixed"


# --- nearby, map, categories -------------------------------------------------------------


def test_nearby_open_reports_of_the_category_nearest_first(
    commune, resident, neighbour, pothole, graffiti
):
    twenty = make_report(commune, neighbour, pothole, point=offset(SAINT_MALO, north_m=20))
    ten = make_report(commune, neighbour, pothole, point=offset(SAINT_MALO, east_m=10))
    make_report(commune, neighbour, pothole, point=offset(SAINT_MALO, north_m=80))
    make_report(commune, neighbour, graffiti, point=SAINT_MALO)
    make_report(commune, neighbour, pothole, point=SAINT_MALO, status=Report.Status.RESOLVED)
    make_report(commune, neighbour, pothole, point=SAINT_MALO, hidden_at=timezone.now())
    response = token_client(resident).get(
        f"{BASE}nearby/",
        {"category": pothole.pk, "latitude": SAINT_MALO[0], "longitude": SAINT_MALO[1]},
    )
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == [ten.pk, twenty.pk]
    assert rows[0]["distance_m"] == pytest.approx(10, abs=1)
    assert rows[1]["distance_m"] == pytest.approx(20, abs=1)
    assert rows[0]["reporter"] in A_RESIDENT
    assert rows[0]["following"] is False


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"category", "latitude", "longitude"}),
        ({"category": "x", "latitude": "48.6", "longitude": "-2"}, {"category"}),
        ({"category": "CAT", "latitude": "north", "longitude": "-2"}, {"latitude"}),
        ({"category": "CAT", "latitude": "48.6", "longitude": "181"}, {"longitude"}),
        ({"category": "CAT", "latitude": "nan", "longitude": "-2"}, {"latitude"}),
        ({"category": "OTHER", "latitude": "48.6", "longitude": "-2"}, {"category"}),
    ],
)
def test_nearby_bad_params_are_400_by_field(resident, pothole, other_category, params, fields):
    ids = {"CAT": str(pothole.pk), "OTHER": str(other_category.pk)}
    params = {key: ids.get(value, value) for key, value in params.items()}
    response = token_client(resident).get(f"{BASE}nearby/", params)
    assert response.status_code == 400
    assert set(response.json()) == fields


def test_map_is_geojson_with_the_lists_filters_and_no_personal_data(
    commune, resident, neighbour, pothole, graffiti
):
    hole = make_report(commune, resident, pothole, title="Trou")
    make_report(commune, neighbour, graffiti, title="Tag", status=Report.Status.RESOLVED)
    make_report(commune, neighbour, graffiti, title="Sans lieu", point=None)
    make_report(commune, resident, pothole, title="Caché", hidden_at=timezone.now())
    api = token_client(neighbour)
    response = api.get(f"{BASE}map/", {"status": "open"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 1
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == [
        pytest.approx(SAINT_MALO[1]),
        pytest.approx(SAINT_MALO[0]),
    ]
    assert feature["properties"]["id"] == hole.pk
    assert feature["properties"]["title"] == "Trou"
    assert feature["properties"]["category"] == "Nid de poule"
    assert feature["properties"]["url"] == f"/problemes/{hole.pk}/"
    content = response.content.decode()
    for private in ("Durand", "Martin", "Marie", "Paul", "rue de la Paix", "profond"):
        assert private not in content
    assert api.get(f"{BASE}map/", {"bbox": "x"}).status_code == 400


def test_the_map_of_10000_reports_reads_them_in_one_query(
    commune, resident, neighbour, pothole, django_assert_max_num_queries
):
    now = timezone.now()
    Report.objects.bulk_create(
        [
            Report(
                commune=commune,
                category=pothole,
                author=neighbour,
                title=f"Trou {index}",
                description="…",
                location=Point(
                    SAINT_MALO[1] + (index % 100) * 1e-4,
                    SAINT_MALO[0] + (index // 100) * 1e-4,
                    srid=4326,
                ),
                created_at=now,
                updated_at=now,
            )
            for index in range(10_000)
        ],
        batch_size=2000,
    )
    api = token_client(resident)
    api.get(f"{BASE}categories/")  # warm the caches (content types, the token's last use)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{BASE}map/")
    assert response.status_code == 200
    assert len(response.json()["features"]) == 10_000
    reading = [q for q in queries.captured_queries if "reports_report" in q["sql"]]
    assert len(reading) == 1
    with django_assert_max_num_queries(len(queries)):
        api.get(f"{BASE}map/", {"status": "open"})


def test_categories_active_with_their_questions(commune, resident, pothole, street_light):
    from modules.reports.models import Category

    Category.objects.create(commune=commune, name="Ancienne", active=False)
    response = token_client(resident).get(f"{BASE}categories/")
    assert response.status_code == 200
    rows = response.json()
    assert [row["name"] for row in rows] == ["Nid de poule", "Lampadaire en panne"]
    assert rows[0]["code"] == "nid-de-poule"
    assert rows[0]["questions"] == [
        {
            "code": "danger",
            "label": "Est-ce dangereux ?",
            "datatype": "singlevaluelist",
            "required": True,
            "choices": [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}],
        }
    ]
    assert rows[1]["questions"] == []
