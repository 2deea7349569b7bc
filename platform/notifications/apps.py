from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

from accounts.signals import account_closed, personal_data_export
from core.modules import PeriodicTask
from notifications.kinds import NotificationKind, kinds


class NotificationsConfig(AppConfig):
    name = "notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    # The commune's activities: communes sends signals (communes.signals) that
    # notifications.communes_events publishes (e-mails: notifications/email/kinds/commune.*).
    notification_kinds = (
        NotificationKind("commune.news", "news", _("News of the town hall")),
        NotificationKind("commune.follow_request", "requests", _("Resident to validate")),
        # A reply to the person's own request: the rubric of their requests and decisions,
        # which they may turn off (the decision also shows in "My communes").
        NotificationKind(
            "commune.follow_decision", "community", _("Decision on your request to follow")
        ),
    )
    periodic_tasks = (
        PeriodicTask(
            func="notifications.tasks.sweep_deliveries",
            minutes=5,
            name="notifications: send retries and batches left by a stopped worker",
        ),
        PeriodicTask(
            func="notifications.tasks.digests",
            minutes=15,
            name="notifications: daily and weekly digests, per time zone",
        ),
    )

    def ready(self):
        # Lazy: these modules load models, which apps.py may not.
        from notifications import communes_events, services, undeliverable

        kinds.populate()
        post_save.connect(
            undeliverable.on_user_saved,
            sender=get_user_model(),
            dispatch_uid="notifications.undeliverable",
        )
        account_closed.connect(services.on_account_closed, dispatch_uid="notifications.closed")
        personal_data_export.connect(services.personal_data, dispatch_uid="notifications.export")
        communes_events.connect()
        try:
            from anymail.signals import tracking
        except ImportError:  # pragma: no cover - anymail is a dependency
            return
        tracking.connect(undeliverable.on_anymail_tracking, dispatch_uid="notifications.bounces")
