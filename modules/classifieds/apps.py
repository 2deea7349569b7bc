from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask, PlatformModule
from notifications.kinds import NotificationKind


class ClassifiedsConfig(PlatformModule):
    default = True
    name = "modules.classifieds"
    label = "classifieds"
    verbose_name = _("Classifieds")

    module_label = "classifieds"
    description = _(
        "Residents offer or ask for services (help with shopping, gardening, lessons…); "
        "ads expire on their own."
    )
    default_enabled = True
    url_prefix = "annonces"
    site_urls = "modules.classifieds.urls"
    api_urls = "modules.classifieds.api_urls"
    admin_viewsets = ("modules.classifieds.admin.ClassifiedViewSet",)
    demo_data = "modules.classifieds.demo.load"
    notification_kinds = (
        NotificationKind("classifieds.expired", "classifieds", _("Your ad has expired")),
    )
    periodic_tasks = (
        PeriodicTask(
            func="modules.classifieds.tasks.expire_classifieds",
            minutes=60,
            name="classifieds: expire",
        ),
    )

    def ready(self):
        super().ready()
        from wagtail.permissions import register_permission_policy

        from accounts.signals import personal_data_export
        from core.signals import commune_home_panels
        from modules.classifieds.models import Classified
        from modules.classifieds.permissions import ClassifiedPermissionPolicy
        from modules.classifieds.receivers import home_panel, personal_data

        register_permission_policy(Classified, ClassifiedPermissionPolicy(Classified))
        commune_home_panels.connect(home_panel, dispatch_uid="classifieds.home_panel")
        personal_data_export.connect(personal_data, dispatch_uid="classifieds.personal_data")
