from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask, PlatformModule, ReportableKind
from notifications.kinds import Frequency, NotificationKind, Rubric


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
    rubrics = (
        Rubric(
            "classifieds",
            _("Classifieds"),
            frequency=Frequency.WEEKLY,
            email=False,
            push=False,
            order=90,
        ),
    )
    notification_kinds = (
        NotificationKind("classifieds.expired", "classifieds", _("Your ad has expired")),
    )
    home_panels = ("modules.classifieds.receivers.home_panel",)
    personal_data = "modules.classifieds.receivers.personal_data"
    # Ads stay until they expire: their author shows as a former member.
    account_closure = None
    reportable_kinds = (
        ReportableKind(
            "classifieds.classified",
            "classifieds.Classified",
            commune="commune",
            label=_("classified"),
            excerpt="description",
            can_see="modules.classifieds.reporting.can_see",
            town_hall=True,
            link="modules.classifieds.reporting.link",
        ),
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

        from modules.classifieds.models import Classified
        from modules.classifieds.permissions import ClassifiedPermissionPolicy

        register_permission_policy(Classified, ClassifiedPermissionPolicy(Classified))
