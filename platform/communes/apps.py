from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind


class CommunesConfig(AppConfig):
    name = "communes"
    label = "communes"
    verbose_name = _("Communes and hosting")

    notification_kinds = (
        NotificationKind("commune.news", "news", _("News of the town hall")),
        NotificationKind(
            "commune.follow_request", "requests", _("Resident to validate"), email=False
        ),
    )

    def ready(self):
        from wagtail.signals import page_published

        from communes.notifications import on_page_published

        page_published.connect(on_page_published, dispatch_uid="communes.news_published")
