from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.modules import registry
from core.schedules import sync_schedules
from core.signals import connect_module_receivers


class CoreConfig(AppConfig):
    name = "core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        registry.populate()
        connect_module_receivers()
        # After django-q2's own tables exist.
        post_migrate.connect(
            sync_schedules, sender=apps.get_app_config("django_q"), dispatch_uid="core.schedules"
        )
