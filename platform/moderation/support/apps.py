from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """The support desk (CNT-7) as an app entry of its own, inside moderation.

    Its models are moderation's (``SupportRequest``, ``SupportMessage``); being installed
    lets Wagtail find ``moderation.support.wagtail_hooks`` (the "Support" menu item and
    ``/admin/support/``) the way it finds every app's hooks.
    """

    name = "moderation.support"
    label = "moderation_support"
    verbose_name = _("Support desk")
