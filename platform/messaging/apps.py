from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Private messages (CNT-3, TWN-3): a core app above communities (docs/architecture.md)."""

    name = "messaging"
    label = "messaging"
    verbose_name = _("Messages")
