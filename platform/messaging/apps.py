from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.modules import ReportableKind
from notifications.kinds import NotificationKind


class MessagingConfig(AppConfig):
    """Private messages (CNT-3, TWN-3): a core app above communities (docs/architecture.md)."""

    name = "messaging"
    label = "messaging"
    verbose_name = _("Messages")

    # E-mails worded by notifications/email/kinds/messages.* (this app's templates).
    notification_kinds = (
        NotificationKind("messages.new", "messages", _("Private message")),
        NotificationKind("messages.town_hall", "messages", _("Message to the town hall")),
    )
    # A recipient reports a message; a thread between people has no commune (the
    # platform's moderators), a thread with a town hall has its commune.
    reportable_kinds = (
        ReportableKind(
            "messaging.message",
            "messaging.Message",
            commune="thread__commune",
            label=_("private message"),
            excerpt="body",
            can_see="messaging.reporting.can_see",
            link="messaging.reporting.link",
        ),
    )

    def ready(self):
        from accounts.signals import account_closed, personal_data_export
        from messaging import receivers

        personal_data_export.connect(
            receivers.personal_data, dispatch_uid="messaging.personal_data"
        )
        account_closed.connect(receivers.account_closed, dispatch_uid="messaging.account_closed")
