from django.utils.translation import gettext_lazy as _

from core.modules import PlatformModule
from notifications.kinds import NotificationKind


class TwinningConfig(PlatformModule):
    default = True
    name = "modules.twinning"
    label = "twinning"
    verbose_name = _("Twinnings")

    module_label = "twinning"
    description = _(
        "Neighbouring communities twin: their members see each other and may write to "
        "each other; a partner town hall can twin all its communities at once."
    )
    default_enabled = True
    url_prefix = "jumelages"
    site_urls = "modules.twinning.urls"
    api_urls = "modules.twinning.api_urls"
    admin_viewsets = ("modules.twinning.admin.TwinningViewSet",)
    notification_kinds = (
        NotificationKind(
            "twinning.proposed", "community", _("A community proposes to twin with yours")
        ),
        NotificationKind("twinning.accepted", "community", _("A twinning was accepted")),
        NotificationKind("twinning.refused", "community", _("A twinning was declined")),
        NotificationKind("twinning.ended", "community", _("A twinning ended")),
        NotificationKind(
            "twinning.town_hall", "community", _("The town hall twinned the communities")
        ),
    )

    def ready(self):
        super().ready()
        from wagtail.permissions import register_permission_policy

        from accounts.signals import personal_data_export
        from communities.services import community_merged
        from modules.twinning import privacy, services
        from modules.twinning.admin import TwinningStaffPolicy
        from modules.twinning.models import Twinning

        privacy.register()
        # Before anything asks Wagtail for the model's policy (the admin viewset does).
        register_permission_policy(Twinning, TwinningStaffPolicy(Twinning))
        # Connected here, so a merge moves twinnings only where the module is installed.
        community_merged.connect(services.on_community_merged, dispatch_uid="twinning.merged")
        personal_data_export.connect(services.personal_data, dispatch_uid="twinning.export")
