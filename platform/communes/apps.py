from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind


class CommunesConfig(AppConfig):
    name = "communes"
    label = "communes"
    verbose_name = _("Communes and hosting")

    # E-mails worded by notifications/email/kinds/commune.* (docs/architecture.md).
    notification_kinds = (
        NotificationKind("commune.news", "news", _("News of the town hall")),
        NotificationKind("commune.follow_request", "requests", _("Resident to validate")),
        # A reply to the person's own request: the rubric of their requests and decisions,
        # which they may turn off (the decision also shows in "My communes").
        NotificationKind(
            "commune.follow_decision", "community", _("Decision on your request to follow")
        ),
    )

    def ready(self):
        from wagtail.signals import page_published

        from communes.notifications import on_page_published

        page_published.connect(on_page_published, dispatch_uid="communes.news_published")
