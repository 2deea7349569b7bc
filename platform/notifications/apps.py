from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask
from notifications.kinds import NotificationKind


class NotificationsConfig(AppConfig):
    name = "notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    notification_kinds = (
        NotificationKind("community.birthday", "birthdays", _("Birthday of a member")),
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
        PeriodicTask(
            func="notifications.tasks.birthdays",
            minutes=15,
            name="notifications: birthday notices, per time zone",
        ),
    )

    def ready(self):
        from django.contrib.auth import get_user_model

        from accounts.signals import account_closed, personal_data_export
        from notifications import services, undeliverable
        from notifications.kinds import kinds

        kinds.populate()
        post_save.connect(
            undeliverable.on_user_saved,
            sender=get_user_model(),
            dispatch_uid="notifications.undeliverable",
        )
        account_closed.connect(services.on_account_closed, dispatch_uid="notifications.closed")
        personal_data_export.connect(services.personal_data, dispatch_uid="notifications.export")
        try:
            from anymail.signals import tracking
        except ImportError:  # pragma: no cover - anymail is a dependency
            return
        tracking.connect(undeliverable.on_anymail_tracking, dispatch_uid="notifications.bounces")
