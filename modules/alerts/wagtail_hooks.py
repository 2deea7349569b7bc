"""The alerts module's panels on the Wagtail dashboard: the alerts of the last seven days,
and for the police of a partner commune (COM-2) the welcome to their read-only space.

Added through Wagtail's hook, so the core names no module. It follows the module's
switch: nothing on the host of a commune that has it off; elsewhere the count only
covers communes that have it on (``alerts_for_staff``), within what the person may see.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.components import Component

from communes.selectors import communes_of_staff
from core.modules import registry
from modules.alerts.permissions import can_view
from modules.alerts.selectors import alerts_for_staff, community_alert_communes

WEEK = timedelta(days=7)


class AlertsOfTheWeekPanel(Component):
    name = "alerts_of_the_week"
    order = 30  # right after the core's to-do list
    template_name = "alerts/admin/week_panel.html"

    def __init__(self, *, total: int, town_hall: int, url: str):
        self.total, self.town_hall, self.url = total, town_hall, url

    def get_context_data(self, parent_context=None):
        return {"total": self.total, "town_hall": self.town_hall, "url": self.url}


class PoliceWelcomePanel(Component):
    name = "alerts_police_welcome"
    order = 10  # first: it is the whole of their space
    template_name = "alerts/admin/police_panel.html"

    def __init__(self, *, communes: list[str], url: str):
        self.communes, self.url = communes, url

    def get_context_data(self, parent_context=None):
        return {"communes": ", ".join(self.communes), "url": self.url}


@hooks.register("construct_homepage_panels")
def add_police_welcome(request, panels):
    """Police (read the communities' alerts without being the town hall): their space."""
    commune = getattr(request, "commune", None)
    if commune is not None and not registry.is_enabled(commune, "alerts"):
        return
    communes = community_alert_communes(request.user).filter(
        pk__in=registry.enabled_communes("alerts").values("pk")
    )
    if commune is not None:
        communes = communes.filter(pk=commune.pk)
    names = list(
        communes.exclude(pk__in=communes_of_staff(request.user).values("pk"))
        .order_by("name")
        .values_list("name", flat=True)
    )
    if names:
        panels.append(PoliceWelcomePanel(communes=names, url=reverse("alerts_admin:index")))


@hooks.register("construct_homepage_panels")
def add_alerts_of_the_week(request, panels):
    commune = getattr(request, "commune", None)
    if commune is not None and not registry.is_enabled(commune, "alerts"):
        return
    if not can_view(request.user):
        return
    week = alerts_for_staff(user=request.user, commune=commune).filter(
        created_at__gte=timezone.now() - WEEK
    )
    total = week.count()
    town_hall = week.filter(community__isnull=True).count() if total else 0
    panels.append(
        AlertsOfTheWeekPanel(total=total, town_hall=town_hall, url=reverse("alerts_admin:index"))
    )
