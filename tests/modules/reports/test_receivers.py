"""The core's extension points (modules/reports/receivers.py): home panel, GDPR export,
account closure."""

from __future__ import annotations

from django.test import RequestFactory

from modules.reports import receivers, services
from modules.reports.models import Follower, Report
from tests.modules.reports.helpers import make_report


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_home_panel_lists_the_residents_open_reports(
    commune, resident, neighbour, outsider, graffiti, pothole
):
    mine = make_report(commune, resident, graffiti, title="Le mien")
    make_report(commune, resident, pothole, title="Fermé", status=Report.Status.RESOLVED)
    make_report(commune, neighbour, graffiti, title="Celui de Paul")
    _order, template, context = receivers.home_panel(commune, request=request_of(resident))
    assert template == "reports/home_panel.html"
    assert context == {"reports": [mine]}
    assert receivers.home_panel(commune, request=request_of(outsider)) is None
    assert receivers.home_panel(commune, request=None) is None


def test_home_panel_is_for_validated_residents_only(commune, newcomer, mayor):
    from django.contrib.auth.models import AnonymousUser

    for person in (newcomer, AnonymousUser()):
        assert receivers.home_panel(commune, request=request_of(person)) is None


def test_personal_data(commune, resident, neighbour, graffiti):
    mine = make_report(commune, resident, graffiti, title="Tag rue Jacques Cartier")
    theirs = make_report(commune, neighbour, graffiti, title="Tag de Paul")
    services.follow(user=resident, report=theirs)
    data = receivers.personal_data(resident)
    assert [row["id"] for row in data["reports"]] == [mine.pk]
    row = data["reports"][0]
    assert row["title"] == "Tag rue Jacques Cartier"
    assert row["description"] == mine.description
    assert row["address"] == mine.address
    assert row["status"] == "new"
    assert row["commune"] == {"slug": "saint-malo", "name": "Saint-Malo"}
    assert row["location"] is not None
    assert {follow["report_id"] for follow in data["follows"]} == {mine.pk, theirs.pk}
    assert receivers.personal_data(neighbour)["reports"][0]["id"] == theirs.pk


def test_close_keeps_the_reports_without_their_reporter(commune, resident, neighbour, graffiti):
    mine = make_report(commune, resident, graffiti, contact={"email": "marie@example.org"})
    theirs = make_report(commune, neighbour, graffiti)
    services.follow(user=resident, report=theirs)
    receivers.close(resident.pk)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.author, mine.contact) == (None, {})
    assert not Follower.objects.filter(user=resident).exists()
    assert theirs.followers_count == 1
    assert mine.followers_count == 0
    assert Report.objects.count() == 2


def test_the_home_panel_renders(commune, resident, graffiti):
    from django.template.loader import render_to_string
    from django.utils import translation

    report = make_report(commune, resident, graffiti, title="Tag rue Jacques Cartier")
    _order, template, context = receivers.home_panel(commune, request=request_of(resident))
    with translation.override("en"):
        html = render_to_string(template, {"panel": context})
    assert f'id="home-report-{report.pk}"' in html
    assert f'href="/problemes/{report.pk}/"' in html
    assert "Tag rue Jacques Cartier" in html
    assert 'href="/problemes/signaler/"' in html
    assert "Report a problem" in html
    assert "Marie" not in html
