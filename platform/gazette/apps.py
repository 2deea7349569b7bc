from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GazetteConfig(AppConfig):
    """The community gazette (CNT-2): a core app above conversations (docs/architecture.md)."""

    name = "gazette"
    label = "gazette"
    verbose_name = _("Gazette")
