from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.modules import ReportableKind
from notifications.kinds import NotificationKind


class GazetteConfig(AppConfig):
    """The community gazette (CNT-2): a core app above conversations (docs/architecture.md)."""

    name = "gazette"
    label = "gazette"
    verbose_name = _("Gazette")

    # Rubric "gazette" (a core rubric): instant or digests, e-mail, push; never SMS.
    notification_kinds = (
        NotificationKind("gazette.post", "gazette", _("New post in the gazette")),
        NotificationKind("gazette.comment", "gazette", _("Comment in the gazette")),
    )
    # Comments on posts are conversations.Comment rows: reportable as "conversations.comment".
    reportable_kinds = (
        ReportableKind(
            "gazette.post",
            "gazette.Post",
            commune="community__commune",
            space="community",
            label=_("gazette post"),
            excerpt="body",
            can_see="gazette.reporting.can_see",
            link="gazette.reporting.link",
        ),
    )

    def ready(self):
        from accounts.signals import personal_data_export
        from gazette import receivers

        personal_data_export.connect(receivers.personal_data, dispatch_uid="gazette.personal_data")

        from gazette import reporting

        reporting.register()
