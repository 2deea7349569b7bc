from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask, PlatformModule, ProtocolUrls, ReportableKind
from notifications.kinds import STAFF, NotificationKind, Rubric


class ReportsConfig(PlatformModule):
    """Reports of problems in public space, routed to technical services, with Open311
    GeoReport v2 (REP-1 … REP-4, API-3)."""

    default = True
    name = "modules.reports"
    label = "reports"
    verbose_name = _("Problem reports")

    module_label = "reports"
    description = _(
        "Residents report problems in public space (a pothole, a broken street light) with "
        "photos and a location; the town hall's technical services follow them up in public. "
        "Open311 tools can read and file reports too."
    )
    default_enabled = True
    url_prefix = "problemes"
    site_urls = "modules.reports.urls"
    api_urls = "modules.reports.api_urls"
    protocol_urls = (
        ProtocolUrls("open311/v2/", "modules.reports.open311.urls", "Open311 GeoReport v2"),
    )
    admin_viewsets = (
        "modules.reports.admin.ReportViewSet",
        "modules.reports.admin.CategoryViewSet",
        "modules.reports.admin.ServiceViewSet",
        "modules.reports.admin.IntegratorViewSet",
    )
    demo_data = "modules.reports.demo.load"
    rubrics = (
        Rubric(
            "reports",
            _("Problems reported"),
            _("What becomes of the problems you reported or follow."),
            push=True,
            order=62,
        ),
        Rubric(
            "reports_staff",
            _("New problems to handle"),
            _("For the town hall's staff: problems residents report in your categories."),
            push=True,
            order=63,
            audience=STAFF,
        ),
    )
    notification_kinds = (
        NotificationKind("reports.new", "reports_staff", _("A problem is reported")),
        NotificationKind("reports.status", "reports", _("News of a problem you follow")),
        NotificationKind("reports.fixed_check", "reports", _("Is the problem really fixed?")),
        NotificationKind("reports.reopened", "reports_staff", _("A resolved problem is not fixed")),
    )
    home_panels = ("modules.reports.receivers.home_panel",)
    personal_data = "modules.reports.receivers.personal_data"
    # Reports stay (the problem is still in the street), without their reporter.
    account_closure = "modules.reports.receivers.close"
    reportable_kinds = (
        ReportableKind(
            "reports.report",
            "reports.Report",
            commune="commune",
            label=_("problem report"),
            excerpt="description",
            can_see="modules.reports.reporting.can_see",
            town_hall=True,
            link="modules.reports.reporting.link",
        ),
    )
    periodic_tasks = (
        PeriodicTask(func="modules.reports.tasks.ask_if_fixed", minutes=60, name="reports: fixed?"),
        PeriodicTask(
            func="modules.reports.tasks.locate_pending", minutes=15, name="reports: locate"
        ),
    )

    def ready(self):
        super().ready()
        from django.utils.translation import ngettext_lazy
        from wagtail.permissions import register_permission_policy

        from core.abuse import register_action
        from modules.reports.models import Category, Integrator, Report, Service
        from modules.reports.permissions import (
            CategoryPermissionPolicy,
            IntegratorPermissionPolicy,
            ReportPermissionPolicy,
            ServicePermissionPolicy,
        )

        register_permission_policy(Report, ReportPermissionPolicy(Report))
        register_permission_policy(Category, CategoryPermissionPolicy(Category))
        register_permission_policy(Service, ServicePermissionPolicy(Service))
        register_permission_policy(Integrator, IntegratorPermissionPolicy(Integrator))
        # At most 10 reports an hour (3 for an account younger than a week).
        register_action(
            "problem_report",
            per_hour=(10, 3),
            refusal=ngettext_lazy(
                "You reported %(count)s problem in the last hour, the most allowed.",
                "You reported %(count)s problems in the last hour, the most allowed.",
                "count",
            ),
        )
