"""The staff's side of the problem reports API (REP-2): .../reports/manage/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from modules.reports.models import Follower, Report, Update
from tests.api.conftest import token_client
from tests.modules.reports.helpers import make_report

pytestmark = pytest.mark.django_db
BASE = "/api/v1/communes/saint-malo/reports/"
MANAGE = f"{BASE}manage/"


@pytest.fixture
def reports(commune, resident, pothole, street_light, graffiti):
    """One report of each category: roads (pothole), lighting, the town hall (graffiti)."""
    return {
        "hole": make_report(commune, resident, pothole, title="Trou"),
        "light": make_report(commune, resident, street_light, title="Lampadaire"),
        "tag": make_report(commune, resident, graffiti, title="Tag"),
    }


# --- who ----------------------------------------------------------------------------------


def test_residents_and_other_communes_staff_are_refused(
    commune, reports, resident, outsider, other_agent
):
    hole = reports["hole"]
    for person in (resident, outsider, other_agent):
        api = token_client(person)
        assert api.get(MANAGE).status_code == 403
        assert api.get(f"{MANAGE}{hole.pk}/").status_code == 403
        assert (
            api.post(f"{MANAGE}{hole.pk}/status/", {"status": "acknowledged"}, format="json")
        ).status_code == 403
        assert (
            api.post(
                f"{MANAGE}bulk/", {"ids": [hole.pk], "status": "acknowledged"}, format="json"
            ).status_code
            == 403
        )
        assert api.get(f"{MANAGE}stats/").status_code == 403
    hole.refresh_from_db()
    assert hole.status == "new"


def test_a_service_lists_its_categories_reports_with_their_reporter(
    commune, reports, resident, roads_agent, lighting_agent, mayor
):
    response = token_client(roads_agent).get(MANAGE)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [reports["hole"].pk]
    row = rows[0]
    assert row["reporter"] == resident.get_full_name()
    assert row["service"]["name"] == "Voirie"
    assert (row["integrator"], row["contact"], row["hidden"]) == (None, {}, False)
    assert row["description"] == "Un trou profond devant le numéro 12."
    rows = token_client(lighting_agent).get(MANAGE).json()["results"]
    assert [row["id"] for row in rows] == [reports["light"].pk]
    rows = token_client(mayor).get(MANAGE).json()["results"]
    assert {row["id"] for row in rows} == {report.pk for report in reports.values()}
    tag = next(row for row in rows if row["id"] == reports["tag"].pk)
    assert tag["service"] is None


def test_an_integrators_report_shows_its_contact_to_staff_only(
    commune, pothole, roads_agent, resident
):
    from modules.reports.models import Integrator

    integrator = Integrator.objects.create(
        commune=commune, name="Appli Ville", key_prefix="o311_abc", key_digest="0" * 64
    )
    report = make_report(
        commune,
        None,
        pothole,
        integrator=integrator,
        contact={"first_name": "Jeanne", "last_name": "Roux", "email": "jeanne@example.org"},
    )
    body = token_client(roads_agent).get(f"{MANAGE}{report.pk}/").json()
    assert body["integrator"] == "Appli Ville"
    assert body["contact"]["email"] == "jeanne@example.org"
    assert body["reporter"] == "Jeanne Roux"
    public = token_client(resident).get(f"{BASE}{report.pk}/")
    assert public.status_code == 200
    assert "Jeanne" not in public.content.decode()
    assert "jeanne@example.org" not in public.content.decode()


def test_manage_filters(commune, reports, mayor, roads, resident, pothole):
    closed = make_report(commune, resident, pothole, status=Report.Status.RESOLVED)
    api = token_client(mayor)

    def ids(**params):
        response = api.get(MANAGE, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(service=roads.pk) == {reports["hole"].pk, closed.pk}
    assert ids(category=pothole.pk, status="open") == {reports["hole"].pk}
    assert ids(status="resolved") == {closed.pk}
    for params, field in (
        ({"service": "x"}, "service"),
        ({"status": "lost"}, "status"),
        ({"category": "-1"}, "category"),
    ):
        response = api.get(MANAGE, params)
        assert response.status_code == 400
        assert list(response.json()) == [field]


def test_hidden_reports_are_in_the_staffs_list(commune, resident, pothole, roads_agent):
    hidden = make_report(commune, resident, pothole, hidden_at=timezone.now())
    rows = token_client(roads_agent).get(MANAGE).json()["results"]
    assert [(row["id"], row["hidden"]) for row in rows] == [(hidden.pk, True)]


def test_another_services_report_is_404_to_a_technical_agent(reports, roads_agent, lighting_agent):
    light = reports["light"]
    api = token_client(roads_agent)
    assert api.get(f"{MANAGE}{light.pk}/").status_code == 404
    response = api.post(
        f"{MANAGE}{light.pk}/status/", {"status": "acknowledged", "note": "Vu."}, format="json"
    )
    assert response.status_code == 404
    assert api.post(f"{MANAGE}{light.pk}/merge/", {"into": reports["hole"].pk}).status_code == 404
    assert api.get(f"{MANAGE}999999/").status_code == 404
    light.refresh_from_db()
    assert light.status == "new"


def test_the_manage_list_is_o1_in_queries(commune, resident, pothole, roads_agent, mayor):
    for person in (roads_agent, mayor):
        Report.objects.all().delete()
        make_report(commune, resident, pothole)
        api = token_client(person)
        api.get(MANAGE)  # warm the caches
        with CaptureQueriesContext(connection) as one:
            assert api.get(MANAGE).status_code == 200
        for index in range(19):
            make_report(commune, resident, pothole, title=f"Trou {index}")
        with CaptureQueriesContext(connection) as twenty:
            response = api.get(MANAGE)
        assert len(response.json()["results"]) == 20
        assert len(twenty) == len(one)


# --- actions ------------------------------------------------------------------------------


def test_a_service_moves_its_report_with_a_public_note(commune, reports, resident, roads_agent):
    hole = reports["hole"]
    api = token_client(roads_agent)
    response = api.post(
        f"{MANAGE}{hole.pk}/status/",
        {"status": "in_progress", "note": "Équipe en route."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress"
    step = body["history"][-1]
    assert (step["status"], step["note"], step["public_by"], step["by"]) == (
        "in_progress",
        "Équipe en route.",
        "Voirie",
        roads_agent.get_full_name(),
    )
    hole.refresh_from_db()
    assert hole.acknowledged_at is not None
    public = token_client(resident).get(f"{BASE}{hole.pk}/").json()
    assert public["history"][-1]["note"] == "Équipe en route."
    assert public["history"][-1]["public_by"] == "Voirie"
    assert "by" not in public["history"][-1]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "rejected"}, "note"),
        ({"status": "new"}, "status"),
        ({"status": "duplicate"}, "status"),
        ({"status": "lost"}, "status"),
        ({"status": "resolved", "note": 3}, "note"),
        ({}, "status"),
    ],
)
def test_status_refusals_are_400_by_field(reports, roads_agent, data, field):
    hole = reports["hole"]
    response = token_client(roads_agent).post(f"{MANAGE}{hole.pk}/status/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Update.objects.filter(report=hole).count() == 1


def test_reassign_a_category(commune, reports, mayor, street_light, other_category, roads_agent):
    hole = reports["hole"]
    api = token_client(roads_agent)
    response = api.post(
        f"{MANAGE}{hole.pk}/category/",
        {"category": street_light.pk, "note": "C'est l'éclairage."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["category"] == {"id": street_light.pk, "name": "Lampadaire en panne"}
    assert body["service"]["name"] == "Éclairage public"
    assert body["history"][-1]["kind"] == "category"
    # No longer the roads' report.
    assert api.get(f"{MANAGE}{hole.pk}/").status_code == 404
    for value in (other_category.pk, 999999, "x"):
        response = token_client(mayor).post(
            f"{MANAGE}{hole.pk}/category/", {"category": value}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["category"]


def test_merge_a_duplicate_moves_its_followers(
    commune, resident, neighbour, pothole, street_light, mayor, roads_agent
):
    kept = make_report(commune, resident, pothole, title="Trou")
    twin = make_report(commune, neighbour, pothole, title="Trou aussi")
    response = token_client(roads_agent).post(
        f"{MANAGE}{twin.pk}/merge/", {"into": kept.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["merged_into"]) == ("duplicate", kept.pk)
    assert body["history"][-1]["kind"] == "merged"
    assert set(Follower.objects.filter(report=kept).values_list("user_id", flat=True)) == {
        resident.pk,
        neighbour.pk,
    }
    kept.refresh_from_db()
    assert kept.followers_count == 2


def test_merge_into_a_report_not_handled_or_itself_is_400(
    commune, resident, pothole, street_light, roads_agent
):
    hole = make_report(commune, resident, pothole)
    light = make_report(commune, resident, street_light)
    api = token_client(roads_agent)
    for into in (light.pk, hole.pk, 999999, "x"):
        response = api.post(f"{MANAGE}{hole.pk}/merge/", {"into": into}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["into"]
    hole.refresh_from_db()
    assert hole.status == "new"


def test_bulk_status(commune, resident, pothole, street_light, roads_agent):
    holes = [make_report(commune, resident, pothole, title=f"Trou {n}") for n in range(3)]
    light = make_report(commune, resident, street_light)
    api = token_client(roads_agent)
    response = api.post(
        f"{MANAGE}bulk/",
        {"ids": [holes[0].pk, light.pk], "status": "resolved", "note": "Bouché."},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["ids"]
    assert str(light.pk) in response.json()["ids"][0]
    assert not Report.objects.filter(status="resolved").exists()
    holes[2].status = Report.Status.RESOLVED
    holes[2].save(update_fields=["status"])
    response = api.post(
        f"{MANAGE}bulk/",
        {"ids": [hole.pk for hole in holes], "status": "resolved", "note": "Bouchés."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"changed": 2}
    assert Report.objects.filter(status="resolved").count() == 3
    for data in ({"ids": [], "status": "resolved"}, {"ids": ["x"], "status": "resolved"}):
        response = api.post(f"{MANAGE}bulk/", data, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["ids"]


def test_stats_of_what_each_handles(commune, resident, pothole, graffiti, mayor, roads_agent):
    now = timezone.now()
    make_report(commune, resident, pothole, created_at=now - timedelta(days=3))
    make_report(
        commune,
        resident,
        pothole,
        status=Report.Status.ACKNOWLEDGED,
        created_at=now - timedelta(hours=10),
        acknowledged_at=now - timedelta(hours=8),
    )
    make_report(commune, resident, graffiti)
    response = token_client(mayor).get(f"{MANAGE}stats/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["open_total"] == 3
    assert body["open"][0]["category"] == "Nid de poule"
    assert body["open"][0]["counts"] == {"new": 1, "acknowledged": 1, "in_progress": 0}
    assert body["median_hours_to_acknowledge"] == pytest.approx(2.0)
    assert body["median_hours_to_resolve"] is None
    assert body["oldest_open"][0]["category"]["name"] == "Nid de poule"
    assert len(body["oldest_open"]) == 3
    # The roads service's agent: the potholes only (the graffiti has no service).
    response = token_client(roads_agent).get(f"{MANAGE}stats/")
    assert response.status_code == 200, response.content
    assert response.json()["open_total"] == 2
    assert [row["category"] for row in response.json()["open"]] == ["Nid de poule"]
