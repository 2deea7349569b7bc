from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """The support desk (CNT-7) as an app entry of its own, inside moderation.

    Its models are moderation's (``SupportRequest``, ``SupportMessage``); being installed
    lets Wagtail find ``moderation.support.wagtail_hooks`` (the "Support" menu item and
    ``/admin/support/``) the way it finds every app's hooks. Its ``ready`` joins the
    GDPR export and the account closure (``receivers``).
    """

    name = "moderation.support"
    label = "moderation_support"
    verbose_name = _("Support desk")

    def ready(self):
        from accounts.signals import account_closed, personal_data_export
        from moderation.support import receivers

        personal_data_export.connect(receivers.personal_data, dispatch_uid="support.export")
        account_closed.connect(receivers.account_closed, dispatch_uid="support.closed")
