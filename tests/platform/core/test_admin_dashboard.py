"""The Wagtail dashboard shows the staff member's to-do list (issue 14).

The core's panel gathers the admin menu's counted entries the person sees (residents
to validate; for platform staff, community requests, exclusions, merges), scoped like
the menu; the alerts module adds the alerts of the week, only where it is on.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.staff import platform_staff_group
from communes.models import StaffRole
from modules.alerts import services as alert_services
from tests.alerts import switch
from tests.factories import UserFactory
from tests.follows import grant, pending, root
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
HOST = "saint-malo.localhost"


def dashboard(user, host=HOST) -> str:
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def to_do(html: str, url: str) -> int | None:
    """The count of the to-do row linking to ``url``, or None when there is no such row."""
    match = re.search(
        rf'data-to-do="{re.escape(url)}">.*?<strong data-to-do-count>(\d+)</strong>', html, re.S
    )
    return int(match.group(1)) if match else None


@pytest.fixture
def waiting(commune, other_commune):
    for _ in range(2):
        pending(UserFactory(), commune)
    pending(UserFactory(), other_commune)


def test_the_mayor_sees_the_residents_waiting_in_their_commune(commune, other_commune, waiting):
    mayor = UserFactory()
    grant(commune, mayor, StaffRole.Role.MAYOR)
    html = dashboard(mayor)
    assert "À faire" in html
    assert "Habitants à valider" in html
    assert to_do(html, "/admin/residents-to-validate/") == 2
    # On the platform's host too: their communes only (Cocody's request is not theirs).
    assert to_do(dashboard(mayor, "localhost"), "/admin/residents-to-validate/") == 2
    # Platform-staff queues are not theirs.
    assert to_do(html, "/admin/communities/requests/") is None


def test_the_platform_admin_sees_every_commune(commune, other_commune, waiting):
    html = dashboard(root(), "localhost")
    assert to_do(html, "/admin/residents-to-validate/") == 3


def test_platform_staff_see_the_community_queues(commune):
    staff = UserFactory()
    staff.groups.add(platform_staff_group())
    html = dashboard(staff, "localhost")
    for queue in ("requests", "exclusions", "merges"):
        assert to_do(html, f"/admin/communities/{queue}/") == 0
    assert "Rien ne vous attend." in html


def test_the_alerts_of_the_week_come_from_the_module(alert_world, settings):
    settings.ALERTS_PER_MEMBER_PER_HOUR = 0
    settings.ALERTS_PER_COMMUNITY_PER_HOUR = 0
    w = alert_world
    alert_services.send_town_hall_alert(
        by=w.communication, commune=w.commune, category="roads", text="Pont fermé."
    )
    alert_services.send_town_hall_alert(
        by=w.communication, commune=w.commune, category="weather", text="Orages."
    )
    html = dashboard(w.communication)
    assert 'data-alerts-week="2"' in html
    assert "2 alertes ces sept derniers jours" in html
    assert 'href="/admin/alerts/"' in html
    # Switched off for the commune: the panel goes with the module.
    switch(w.commune, "alerts", False)
    assert "data-alerts-week" not in dashboard(w.communication)


def test_no_alerts_panel_without_a_commune_to_watch(commune):
    """The admin open to someone with no role anywhere: no alerts, no to-do."""
    someone = UserFactory()
    someone.user_permissions.add(Permission.objects.get(codename="access_admin"))
    html = dashboard(someone, "localhost")
    assert "data-alerts-week" not in html
    assert "voisinage-to-do" not in html
