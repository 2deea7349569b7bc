from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.modules import ReportableKind
from notifications.kinds import NotificationKind


class ConversationsConfig(AppConfig):
    """Conversations (CNT): a core app, above communities (docs/architecture.md)."""

    name = "conversations"
    label = "conversations"
    verbose_name = _("Conversations")

    # E-mails worded by notifications/email/kinds/comments.* (this app's templates).
    notification_kinds = (
        NotificationKind("comments.reply", "comments", _("Answer in a conversation")),
        NotificationKind("comments.new_on_news", "news_comments", _("Comment on a news item")),
    )
    # Core apps declare reportable content as modules do (core.modules.ReportableKind).
    reportable_kinds = (
        ReportableKind(
            "conversations.comment",
            "conversations.Comment",
            commune="commune",
            label=_("comment"),
            excerpt="body",
            can_see="conversations.reporting.can_see",
            town_hall="conversations.reporting.town_hall_moderates",
            link="conversations.reporting.link",
        ),
    )

    def ready(self):
        from accounts.signals import personal_data_export
        from conversations import receivers

        personal_data_export.connect(
            receivers.personal_data, dispatch_uid="conversations.personal_data"
        )
