from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask, PlatformModule


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
    notification_kinds = ("classified_expired",)
    periodic_tasks = (
        PeriodicTask(
            func="modules.classifieds.tasks.expire_classifieds",
            minutes=60,
            name="classifieds: expire",
        ),
    )
