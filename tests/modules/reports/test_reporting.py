"""What moderation reads of reports (modules/reports/reporting.py)."""

from __future__ import annotations

from django.utils import timezone

from modules.reports import reporting
from tests.modules.reports.helpers import make_report


def test_can_see_as_if_not_hidden(commune, resident, neighbour, outsider, newcomer, graffiti):
    report = make_report(commune, resident, graffiti, hidden_at=timezone.now())
    assert reporting.can_see(neighbour, report)
    assert reporting.can_see(resident, report)
    assert not reporting.can_see(outsider, report)
    assert not reporting.can_see(newcomer, report)


def test_a_technical_agent_sees_what_residents_see(
    commune, resident, pothole, lighting_agent, other_agent
):
    report = make_report(commune, resident, pothole, hidden_at=timezone.now())
    assert reporting.can_see(lighting_agent, report)
    assert not reporting.can_see(other_agent, report)


def test_link(commune, resident, graffiti):
    report = make_report(commune, resident, graffiti)
    assert reporting.link(report) == f"/problemes/{report.pk}/"
