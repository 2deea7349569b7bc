from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask, PlatformModule, ReportableKind
from notifications.kinds import NotificationKind, Rubric


class AlertsConfig(PlatformModule):
    default = True
    name = "modules.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    module_label = "alerts"
    description = _(
        "Members alert their community from the website, the app or by SMS; the town "
        "hall alerts every resident (security, roads, weather…)."
    )
    default_enabled = True
    url_prefix = "alertes"
    site_urls = "modules.alerts.urls"
    api_urls = "modules.alerts.api_urls"
    webhook_urls = "modules.alerts.webhook_urls"
    admin_viewsets = ("modules.alerts.admin.AlertViewSet",)
    demo_data = "modules.alerts.demo.load"
    periodic_tasks = (
        PeriodicTask(
            func="modules.alerts.tasks.dispatch_pending",
            minutes=1,
            name="alerts: finish sending alerts a stopped process left half-sent",
        ),
    )
    rubrics = (
        Rubric(
            "alerts",
            _("Alerts"),
            _("Alerts of your community and of the town hall. They cannot be turned off."),
            locked=True,
            sms=True,
            order=0,
        ),
    )
    notification_kinds = (
        NotificationKind(
            "alerts.community", "alerts", _("An alert of your community"), urgent=True
        ),
        NotificationKind(
            "alerts.twinned", "alerts", _("An alert of a twinned community"), urgent=True
        ),
        NotificationKind("alerts.town_hall", "alerts", _("An alert of the town hall"), urgent=True),
    )
    site_banners = ("modules.alerts.receivers.site_banner",)
    personal_data = "modules.alerts.receivers.personal_data"
    # Alerts stay (ALR-4): their author shows as a former member.
    account_closure = None
    community_merge = "modules.alerts.receivers.on_community_merged"
    reportable_kinds = (
        ReportableKind(
            "alerts.alert",
            "alerts.Alert",
            commune="commune",
            space="community",
            label=_("alert"),
            excerpt="text",
            can_see="modules.alerts.reporting.can_see",
            link="modules.alerts.reporting.link",
        ),
    )

    def ready(self):
        super().ready()
        from wagtail.permissions import register_permission_policy

        from modules.alerts.models import Alert
        from modules.alerts.permissions import AlertPermissionPolicy

        register_permission_policy(Alert, AlertPermissionPolicy(Alert))
