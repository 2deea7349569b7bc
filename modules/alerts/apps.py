from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask, PlatformModule
from notifications.kinds import NotificationKind


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
    notification_kinds = (
        NotificationKind(
            "alerts.community", "alerts", _("An alert of your community"), urgent=True
        ),
        NotificationKind(
            "alerts.twinned", "alerts", _("An alert of a twinned community"), urgent=True
        ),
        NotificationKind("alerts.town_hall", "alerts", _("An alert of the town hall"), urgent=True),
    )

    def ready(self):
        super().ready()
        from wagtail.permissions import register_permission_policy

        from accounts.signals import personal_data_export
        from communities.services import community_merged
        from core.signals import commune_site_banners
        from modules.alerts.models import Alert
        from modules.alerts.permissions import AlertPermissionPolicy
        from modules.alerts.receivers import on_community_merged, personal_data, site_banner

        register_permission_policy(Alert, AlertPermissionPolicy(Alert))

        commune_site_banners.connect(site_banner, dispatch_uid="alerts.site_banner")
        personal_data_export.connect(personal_data, dispatch_uid="alerts.personal_data")
        # Connected here, so a merge keeps alerts only where the module is installed.
        community_merged.connect(on_community_merged, dispatch_uid="alerts.merged")
