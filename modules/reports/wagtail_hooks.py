"""Problem reports in the Wagtail admin's menu and history (REP-2, API-3).

* The menu "Problem reports (n)" (n: the new reports the person handles) holds the
  module's viewsets (``admin.py``, registered by the core with the module's switch) and
  "Dashboard"; a technical agent sees Dashboard and Reports, the town hall also
  Categories, Technical services and Open311.
* The staff's actions written by ``services`` (status, category, merge, service members,
  Open311 keys) read as sentences in Wagtail's history and audit log.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.sidebar import SubMenuItem as SubMenuItemComponent
from wagtail.log_actions import LogFormatter

from core.modules import registry
from modules.reports import selectors
from modules.reports.admin import SUBMENU_HOOK, cached_new_count
from modules.reports.models import Report


def _module_on(request) -> bool:
    commune = getattr(request, "commune", None)
    return commune is None or registry.is_enabled(commune, "reports")


class ReportsSubmenuItem(SubmenuMenuItem):
    """ "Problem reports (n)": the group, with the count of new reports to handle."""

    def render_component(self, request):
        count = cached_new_count(request)
        label = f"{self.label} ({count})" if count else self.label
        return SubMenuItemComponent(
            self.name,
            label,
            self.menu.render_component(request),
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


class DashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return _module_on(request) and selectors.STAFF_SCOPE.serves(request)


reports_menu = Menu(register_hook_name=SUBMENU_HOOK)


@hooks.register("register_admin_menu_item")
def register_reports_menu():
    return ReportsSubmenuItem(
        pgettext_lazy("admin menu", "Problem reports"),
        reports_menu,
        name="problem-reports",
        icon_name="warning",
        order=445,
    )


@hooks.register(SUBMENU_HOOK)
def register_dashboard_item():
    return DashboardMenuItem(
        pgettext_lazy("admin menu", "Dashboard"),
        reverse("reports_admin:dashboard"),
        name="reports-dashboard",
        icon_name="view",
        order=1,
    )


def _status(value) -> str:
    try:
        return str(Report.Status(value).label)
    except ValueError:
        return str(value or "")


@hooks.register("register_log_actions")
def register_report_actions(actions):
    @actions.register_action("reports.status")
    class StatusChanged(LogFormatter):
        label = gettext_lazy("Report status changed")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("Status “%(status)s”: %(note)s") % {
                "status": _status(data.get("status")),
                "note": data.get("note") or "—",
            }

    @actions.register_action("reports.category")
    class CategoryChanged(LogFormatter):
        label = gettext_lazy("Report category changed")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("Category “%(before)s” changed to “%(after)s”") % {
                "before": data.get("previous_category") or "—",
                "after": data.get("category") or "—",
            }

    @actions.register_action("reports.merge")
    class Merged(LogFormatter):
        label = gettext_lazy("Report merged into another")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("Merged into report #%(number)s") % {"number": data.get("into") or "?"}

    @actions.register_action("reports.service_members")
    class ServiceMembers(LogFormatter):
        label = gettext_lazy("Technical service members changed")

        def format_message(self, log_entry):
            members = (log_entry.data or {}).get("members") or []
            return _("Members: %(names)s") % {"names": ", ".join(map(str, members)) or "—"}

    @actions.register_action("reports.integrator_create")
    class IntegratorCreated(LogFormatter):
        label = gettext_lazy("Open311 key created")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("Open311 key created for “%(name)s” (starts with %(prefix)s)") % {
                "name": data.get("name") or "—",
                "prefix": data.get("key_prefix") or "—",
            }

    @actions.register_action("reports.integrator_revoke")
    class IntegratorRevoked(LogFormatter):
        label = gettext_lazy("Open311 key revoked")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("Open311 key of “%(name)s” revoked (started with %(prefix)s)") % {
                "name": data.get("name") or "—",
                "prefix": data.get("key_prefix") or "—",
            }
