"""Reads and rules of reports (modules/reports/selectors.py): who sees and handles what,
nearby reports (through the spatial index), the map's GeoJSON and the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from communes.models import StaffRole
from modules.reports import selectors, services
from modules.reports.models import Photo, Report
from tests.factories import UserFactory
from tests.follows import grant
from tests.modules.reports.helpers import SAINT_MALO, make_report, offset

# --- who is who --------------------------------------------------------------------------------


def test_the_mayor_is_the_town_hall_a_technical_agent_is_not(
    commune, other_commune, mayor, roads_agent, resident
):
    assert selectors.is_town_hall(mayor, commune)
    assert not selectors.is_town_hall(mayor, other_commune)
    assert not selectors.is_town_hall(roads_agent, commune)
    assert not selectors.is_town_hall(resident, commune)
    council = UserFactory()
    grant(commune, council, StaffRole.Role.COUNCIL)
    assert not selectors.is_town_hall(council, commune)
    assert not selectors.sees_reports(council, commune)


def test_superusers_and_partner_staff_are_the_town_hall(commune, partner, other_commune):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert selectors.is_town_hall(superuser, commune)
    partner_staff = UserFactory()
    partner.staff.add(partner_staff)
    assert selectors.is_town_hall(partner_staff, commune)
    assert set(selectors.staff_communes(partner_staff)) >= {commune}


def test_services_of_and_staff_communes(commune, roads, lighting, roads_agent, other_agent):
    assert list(selectors.services_of(roads_agent)) == [roads]
    assert list(selectors.services_of(roads_agent, commune)) == [roads]
    assert list(selectors.staff_communes(roads_agent)) == [commune]
    assert commune not in set(selectors.staff_communes(other_agent))


def test_services_of_is_one_query(commune, roads, roads_agent, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(selectors.services_of(roads_agent))


def test_a_closed_account_handles_nothing(commune, resident, pothole, roads_agent, mayor):
    report = make_report(commune, resident, pothole)
    for person in (roads_agent, mayor):
        person.is_active = False
        person.save(update_fields=["is_active"])
        assert not selectors.can_handle(person, report)
        assert selectors.handled_reports(person).count() == 0


def test_handled_reports(
    commune, resident, pothole, street_light, graffiti, roads_agent, lighting_agent, mayor
):
    hole = make_report(commune, resident, pothole)
    light = make_report(commune, resident, street_light)
    tag = make_report(commune, resident, graffiti)
    assert set(selectors.handled_reports(roads_agent)) == {hole}
    assert set(selectors.handled_reports(lighting_agent, commune)) == {light}
    assert set(selectors.handled_reports(mayor)) == {hole, light, tag}
    assert selectors.can_handle(roads_agent, hole)
    assert not selectors.can_handle(roads_agent, tag)  # no service: the town hall's
    assert not selectors.can_handle(resident, hole)


# --- who sees what -----------------------------------------------------------------------------


@pytest.fixture
def reports(commune, resident, neighbour, pothole, street_light):
    public = make_report(commune, resident, pothole, title="Public")
    hidden_own = make_report(
        commune, neighbour, pothole, title="Masqué de Paul", hidden_at=timezone.now()
    )
    hidden_light = make_report(
        commune, resident, street_light, title="Masqué lampadaire", hidden_at=timezone.now()
    )
    return public, hidden_own, hidden_light


def titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


def test_who_sees_what(
    commune, reports, resident, neighbour, outsider, newcomer, roads_agent, mayor, other_agent
):
    public, _hidden_own, _hidden_light = reports
    assert titles(selectors.visible_reports(neighbour, commune)) == {"Public", "Masqué de Paul"}
    assert titles(selectors.visible_reports(resident, commune)) == {
        "Public",
        "Masqué lampadaire",
    }
    assert titles(selectors.visible_reports(roads_agent, commune)) == {
        "Public",
        "Masqué de Paul",
    }
    assert titles(selectors.visible_reports(mayor, commune)) == {
        "Public",
        "Masqué de Paul",
        "Masqué lampadaire",
    }
    for person in (outsider, newcomer, other_agent):
        assert not selectors.sees_reports(person, commune)
        assert titles(selectors.visible_reports(person, commune)) == set()
        with pytest.raises(Http404):
            selectors.access_report(person, public.pk, commune=commune)


def test_access_report_is_404_alike(commune, other_commune, reports, neighbour):
    public, hidden_own, hidden_light = reports
    assert selectors.access_report(neighbour, public.pk, commune=commune) == public
    assert selectors.access_report(neighbour, str(hidden_own.pk), commune=commune) == hidden_own
    for pk in (hidden_light.pk, 999_999, "abc", -1, 0):
        with pytest.raises(Http404):
            selectors.access_report(neighbour, pk, commune=commune)
    with pytest.raises(Http404):
        selectors.access_report(neighbour, public.pk, commune=other_commune)
    with pytest.raises(Http404):
        selectors.access_report(neighbour, public.pk, commune=None)


def test_can_see_as_if_not_hidden(commune, reports, neighbour, outsider):
    _public, _own, hidden_light = reports
    assert not selectors.can_see(neighbour, hidden_light)
    assert selectors.can_see(neighbour, hidden_light, include_hidden=True)
    assert not selectors.can_see(outsider, hidden_light, include_hidden=True)


def test_a_technical_agent_sees_the_public_reports_of_the_commune_only(
    commune, other_commune, reports, lighting_agent, other_category
):
    make_report(other_commune, None, other_category, title="Cocody")
    assert titles(selectors.visible_reports(lighting_agent, commune)) == {
        "Public",
        "Masqué lampadaire",
    }
    assert titles(selectors.visible_reports(lighting_agent, other_commune)) == set()


def test_the_list_is_o1_queries(
    commune, resident, graffiti, django_assert_max_num_queries, neighbour
):
    def listed():
        return [
            (report.category.name, [photo.key for photo in report.photos.all()])
            for report in selectors.visible_reports(neighbour, commune)
        ]

    first = make_report(commune, resident, graffiti)
    Photo.objects.create(report=first, image="reports/photos/a.jpg")
    with django_assert_max_num_queries(8) as one:
        listed()
    for _ in range(5):
        report = make_report(commune, resident, graffiti)
        Photo.objects.create(report=report, image="reports/photos/b.jpg")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(listed()) == 6


# --- the reporter ------------------------------------------------------------------------------


def test_the_reporter_is_named_only_to_who_handles_the_report(
    commune, resident, neighbour, pothole, roads_agent, lighting_agent, mayor
):
    report = make_report(commune, resident, pothole)
    assert selectors.public_reporter(report, roads_agent) == "Marie Durand"
    assert selectors.public_reporter(report, mayor) == "Marie Durand"
    for viewer in (neighbour, lighting_agent, resident, None):
        assert selectors.public_reporter(report, viewer) in ("A resident", "Un habitant")


def test_an_open311_reporters_name_comes_from_the_contact(commune, graffiti, mayor):
    report = make_report(
        commune, None, graffiti, contact={"first_name": "Jean", "last_name": "Roy"}
    )
    assert selectors.public_reporter(report, mayor) == "Jean Roy"


# --- nearby ------------------------------------------------------------------------------------


def test_nearby_open_reports(commune, resident, pothole, graffiti):
    at_49 = make_report(commune, resident, pothole, point=offset(SAINT_MALO, north_m=49))
    make_report(commune, resident, pothole, point=offset(SAINT_MALO, east_m=51))
    at_20 = make_report(commune, resident, pothole, point=offset(SAINT_MALO, east_m=-20))
    make_report(commune, resident, graffiti, point=offset(SAINT_MALO, north_m=5))
    make_report(commune, resident, pothole, point=SAINT_MALO, status=Report.Status.RESOLVED)
    make_report(commune, resident, pothole, point=SAINT_MALO, hidden_at=timezone.now())
    make_report(commune, resident, pothole, point=None)

    found = selectors.nearby_open(
        commune=commune, category=pothole, latitude=SAINT_MALO[0], longitude=SAINT_MALO[1]
    )
    assert found == [at_20, at_49]
    assert [round(report.distance_m) for report in found] == [20, 49]
    assert selectors.nearby_open(
        commune=commune,
        category=pothole.pk,
        latitude=SAINT_MALO[0],
        longitude=SAINT_MALO[1],
        exclude_pk=at_20.pk,
        limit=1,
    ) == [at_49]


def test_nearby_is_kept_to_the_commune(commune, other_commune, resident, other_category):
    make_report(other_commune, None, other_category, point=SAINT_MALO)
    assert (
        selectors.nearby_open(
            commune=commune, category=None, latitude=SAINT_MALO[0], longitude=SAINT_MALO[1]
        )
        == []
    )


@pytest.mark.django_db
def test_nearby_uses_the_spatial_index(commune, resident, pothole):
    make_report(commune, resident, pothole)
    queryset_sql = []

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        selectors.nearby_open(
            commune=commune, category=pothole, latitude=SAINT_MALO[0], longitude=SAINT_MALO[1]
        )
    queryset_sql = [
        query["sql"] for query in captured.captured_queries if "reports_report" in query["sql"]
    ]
    assert len(queryset_sql) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'reports_report' "
            "AND indexdef ILIKE '%%USING gist (location)%%'"
        )
        (gist_index,) = cursor.fetchone()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + queryset_sql[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert gist_index.startswith("reports_report_location")
    assert f"Index Scan using {gist_index}" in plan, plan
    assert "location &&" in plan


# --- the map -----------------------------------------------------------------------------------


def test_geojson_has_no_personal_data_and_is_one_query(
    commune, resident, pothole, neighbour, django_assert_num_queries
):
    report = make_report(commune, resident, pothole, title="Trou rue de la Paix")
    make_report(commune, resident, pothole, point=None)
    visible = selectors.visible_reports(neighbour, commune)
    with django_assert_num_queries(1):
        data = selectors.reports_geojson(visible)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 1
    feature = data["features"][0]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [round(SAINT_MALO[1], 6), round(SAINT_MALO[0], 6)],
    }
    assert set(feature["properties"]) == {
        "id",
        "title",
        "status",
        "status_label",
        "open",
        "category",
        "url",
    }
    assert feature["properties"]["url"] == f"/problemes/{report.pk}/"
    assert feature["properties"]["category"] == "Nid de poule"
    assert "Marie" not in str(data) and "Durand" not in str(data)


# --- audiences ---------------------------------------------------------------------------------


def test_followers_of_keeps_those_who_still_see_it(commune, resident, neighbour, graffiti):
    report = make_report(commune, resident, graffiti)
    services.follow(user=neighbour, report=report)
    assert set(selectors.followers_of(report)) == {resident, neighbour}
    from communes.models import Follow

    Follow.objects.filter(user=neighbour, commune=commune).update(status=Follow.Status.PENDING)
    assert set(selectors.followers_of(report)) == {resident}
    report.hidden_at = timezone.now()
    assert set(selectors.followers_of(report)) == {resident}


def test_town_hall_people_and_service_members(commune, mayor, roads, roads_agent, lighting_agent):
    assert list(selectors.town_hall_people(commune)) == [mayor]
    assert list(selectors.service_members(roads)) == [roads_agent]
    assert set(selectors.candidate_members(commune)) == {mayor, roads_agent, lighting_agent}


def test_active_categories_come_with_their_questions(
    commune, pothole, street_light, graffiti, django_assert_num_queries
):
    graffiti.active = False
    graffiti.save()
    with django_assert_num_queries(2):
        categories = list(selectors.active_categories(commune))
        assert [len(category.questions.all()) for category in categories] == [1, 0]
    assert categories == [pothole, street_light]


def test_history_is_oldest_first(commune, resident, graffiti, mayor):
    report = make_report(commune, resident, graffiti)
    services.status_set(report=report, by=mayor, status="acknowledged")
    services.status_set(report=report, by=mayor, status="resolved")
    assert list(selectors.history_of(report).values_list("status", flat=True)) == [
        "new",
        "acknowledged",
        "resolved",
    ]


# --- the dashboard -----------------------------------------------------------------------------


def test_stats(
    commune, other_commune, resident, pothole, street_light, mayor, other_category, monkeypatch
):
    from communes.models import Commune

    now = timezone.now()
    start = now - timedelta(days=10)
    for hours in (2, 4, 12):  # acknowledged after 2, 4 and 12 hours: median 4
        report = make_report(commune, resident, pothole, created_at=start)
        services.status_set(
            report=report, by=mayor, status="acknowledged", now=start + timedelta(hours=hours)
        )
    resolved = Report.objects.filter(category=pothole).first()
    services.status_set(
        report=resolved, by=mayor, status="resolved", now=start + timedelta(hours=48)
    )
    make_report(commune, resident, street_light, created_at=now - timedelta(days=200))
    make_report(other_commune, None, other_category)

    data = selectors.stats(Report.objects.filter(commune=commune), now=now)
    assert data["open_total"] == 3
    assert data["status_totals"] == [1, 2, 0]
    assert data["open"] == [
        {
            "category_id": pothole.pk,
            "category": "Nid de poule",
            "counts": {"new": 0, "acknowledged": 2, "in_progress": 0},
            "total": 2,
        },
        {
            "category_id": street_light.pk,
            "category": "Lampadaire en panne",
            "counts": {"new": 1, "acknowledged": 0, "in_progress": 0},
            "total": 1,
        },
    ]
    assert data["median_hours_to_acknowledge"] == 4.0
    assert data["median_hours_to_resolve"] == 48.0
    assert data["oldest_open"][0].category == street_light
    assert len(data["oldest_open"]) == 3
    # The demo's SQLite has no percentile_cont: the median is taken in Python, the same.
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "sqlite")
    in_python = selectors.stats(Report.objects.filter(commune=commune), now=now)
    monkeypatch.undo()
    assert in_python["median_hours_to_acknowledge"] == 4.0
    assert in_python["median_hours_to_resolve"] == 48.0
    # A technical agent's figures: their services' categories only.
    mine = selectors.stats(Report.objects.filter(commune=commune, category=pothole), now=now)
    assert (mine["open_total"], mine["status_totals"]) == (2, [0, 2, 0])
    assert Commune.objects.count() == 2  # the other commune's report is not counted above


# --- the admin's permission policies (modules/reports/permissions.py) --------------------------


def test_report_policy_follows_can_handle(
    commune, resident, pothole, street_light, roads_agent, lighting_agent, mayor
):
    from modules.reports.permissions import ReportPermissionPolicy

    policy = ReportPermissionPolicy(Report)
    hole = make_report(commune, resident, pothole)
    light = make_report(commune, resident, street_light)
    assert policy.user_has_permission(roads_agent, "change")
    assert not policy.user_has_permission(roads_agent, "add")
    assert not policy.user_has_permission(mayor, "delete")
    assert policy.user_has_permission_for_instance(roads_agent, "change", hole)
    assert not policy.user_has_permission_for_instance(roads_agent, "change", light)
    assert set(policy.instances_user_has_any_permission_for(roads_agent, ["view"])) == {hole}
    assert set(policy.instances_user_has_any_permission_for(mayor, ["change"])) == {hole, light}
    assert not policy.user_has_permission(resident, "view")


def test_category_policy(commune, resident, pothole, graffiti, roads_agent, mayor, other_agent):
    from modules.reports.models import Category
    from modules.reports.permissions import CategoryPermissionPolicy

    policy = CategoryPermissionPolicy(Category)
    assert policy.user_has_permission(roads_agent, "view")
    assert not policy.user_has_permission(roads_agent, "add")
    assert not policy.user_has_permission_for_instance(roads_agent, "change", pothole)
    assert policy.user_has_permission_for_instance(roads_agent, "view", pothole)
    assert policy.user_has_permission_for_instance(mayor, "change", pothole)
    assert not policy.user_has_permission_for_instance(other_agent, "view", pothole)
    assert policy.user_has_permission_for_instance(mayor, "delete", graffiti)
    make_report(commune, resident, graffiti)
    assert not policy.user_has_permission_for_instance(mayor, "delete", graffiti)
    assert set(policy.instances_user_has_any_permission_for(mayor, ["change"])) == {
        pothole,
        graffiti,
    }
    assert set(policy.instances_user_has_any_permission_for(roads_agent, ["change"])) == set()


def test_service_and_integrator_policies_are_the_town_halls(commune, roads, roads_agent, mayor):
    from modules.reports.models import Integrator, Service
    from modules.reports.permissions import IntegratorPermissionPolicy, ServicePermissionPolicy

    services_policy = ServicePermissionPolicy(Service)
    assert services_policy.user_has_permission_for_instance(mayor, "change", roads)
    assert not services_policy.user_has_permission(roads_agent, "view")
    keys = IntegratorPermissionPolicy(Integrator)
    assert keys.user_has_permission(mayor, "add")
    assert not keys.user_has_permission(mayor, "delete")
    assert not keys.user_has_permission(roads_agent, "view")
