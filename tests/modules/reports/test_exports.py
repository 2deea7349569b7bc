"""The CSV export of the reports staff handle (REP-2): a French spreadsheet's format
(UTF-8 with BOM, ``;``, decimal commas), formulas defused, the index's filters, the
person's scope only."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.utils import timezone

from modules.reports import exports, services
from modules.reports.models import Report
from tests.modules.reports.helpers import make_report
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

HOST = "saint-malo.localhost"
URL = "/admin/reports/export.csv"


def admin_client(user, host=HOST) -> Client:
    client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en")
    verified_login(client, user)
    return client


def rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.fixture
def roads_agent(roads_agent):
    services.sync_technical_group([roads_agent.pk])
    return roads_agent


def test_the_export_is_a_french_spreadsheet(mayor, commune, resident, pothole):
    report = make_report(
        commune,
        resident,
        pothole,
        title='=HYPERLINK("http://evil")',
        description="+33 6 12 34 56 78; deux lignes\net un « guillemet »",
        address="@rue du Port",
        point=(48.649312, -2.025734),
    )
    services.status_set(report=report, by=mayor, status=Report.Status.ACKNOWLEDGED)
    response = admin_client(mayor).get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="signalements.csv"'
    assert "no-store" in response["Cache-Control"]
    header, row = rows(response)
    assert header == [
        "Number",
        "Reported at",
        "Category",
        "Service",
        "Status",
        "Address",
        "Latitude",
        "Longitude",
        "Title",
        "Description",
        "Followers",
        "Acknowledged at",
        "Resolved at",
        "Reporter",
    ]
    report.refresh_from_db()
    assert row[0] == str(report.pk)
    assert row[1] == timezone.localtime(report.created_at).strftime("%d/%m/%Y %H:%M")
    assert row[2:5] == ["Nid de poule", "Voirie", "Acknowledged"]
    assert row[5] == "'@rue du Port"
    assert row[6:8] == ["48,649312", "-2,025734"]
    assert row[8] == '\'=HYPERLINK("http://evil")'
    assert row[9] == "'+33 6 12 34 56 78; deux lignes\net un « guillemet »"
    assert row[10] == "1"
    assert row[11] != "" and row[12] == ""
    assert row[13] == "Marie Durand"
    assert resident.email not in response.content.decode()


def test_the_export_keeps_to_the_person_s_scope_and_the_filters(
    mayor, roads_agent, commune, other_commune, resident, pothole, street_light, other_category
):
    hole = make_report(commune, resident, pothole, title="Trou")
    light = make_report(commune, resident, street_light, title="Lampadaire", point=None)
    make_report(other_commune, None, other_category, title="Cocody")
    services.status_set(report=light, by=mayor, status=Report.Status.RESOLVED, note="Fait.")
    every = rows(admin_client(mayor).get(URL))
    assert sorted(row[8] for row in every[1:]) == ["Lampadaire", "Trou"]
    assert [row[6] for row in every[1:] if row[8] == "Lampadaire"] == [""]  # no point
    open_only = rows(admin_client(mayor).get(URL, {"status": "open"}))
    assert [row[0] for row in open_only[1:]] == [str(hole.pk)]
    searched = rows(admin_client(mayor).get(URL, {"q": "lampa"}))
    assert [row[8] for row in searched[1:]] == ["Lampadaire"]
    agent = rows(admin_client(roads_agent).get(URL))
    assert [row[8] for row in agent[1:]] == ["Trou"]


def test_an_open311_report_names_its_integrator_not_its_contact(mayor, commune, graffiti):
    integrator, _key = services.integrator_create(commune=commune, name="Appli Ville", by=mayor)
    make_report(
        commune, None, graffiti, integrator=integrator, contact={"email": "jeanne@example.org"}
    )
    response = admin_client(mayor).get(URL)
    (_header, row) = rows(response)
    assert row[3] == "Town hall"
    assert row[13] == "Open311 · Appli Ville"
    assert "jeanne@example.org" not in response.content.decode()


def test_the_export_reads_in_a_fixed_number_of_queries(
    mayor, commune, resident, pothole, graffiti, django_assert_max_num_queries
):
    site = admin_client(mayor)
    make_report(commune, resident, pothole)
    site.get(URL)
    with django_assert_max_num_queries(60) as one:
        assert len(rows(site.get(URL))) == 2
    for number in range(19):
        make_report(commune, resident, graffiti if number % 2 else pothole, title=f"T{number}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(rows(site.get(URL))) == 21


def test_residents_and_others_get_no_export(resident, outsider, other_agent):
    assert admin_client(resident).get(URL).status_code == 302
    services.sync_technical_group([other_agent.pk])
    # Cocody's agent on Saint-Malo's host: like the scoped index, nothing in scope.
    response = admin_client(other_agent).get(URL)
    assert response.status_code == 200
    assert rows(response) == [exports.header()]
