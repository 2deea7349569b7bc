from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from privacy.relations import register_module_relations


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        register_module_relations()
