"""The alerts module's panel on the Wagtail dashboard: the alerts of the last seven days.

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

from core.modules import registry
from modules.alerts.permissions import can_view
from modules.alerts.selectors import alerts_for_staff

WEEK = timedelta(days=7)


class AlertsOfTheWeekPanel(Component):
    name = "alerts_of_the_week"
    order = 30  # right after the core's to-do list
    template_name = "alerts/admin/week_panel.html"

    def __init__(self, *, total: int, town_hall: int, url: str):
        self.total, self.town_hall, self.url = total, town_hall, url

    def get_context_data(self, parent_context=None):
        return {"total": self.total, "town_hall": self.town_hall, "url": self.url}


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
