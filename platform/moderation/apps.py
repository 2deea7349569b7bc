from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask
from notifications.kinds import NotificationKind


class ModerationConfig(AppConfig):
    """Reports, the moderation queue and the support desk (CNT-5, CNT-7): the top core app.

    It reads every app's reportable content through ``core.modules.ReportableKind`` (the
    registry) and imports none of them (docs/architecture.md, "Moderation").
    """

    name = "moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    # Rubric "moderation" (a core rubric, always on): e-mails worded by
    # notifications/email/kinds/moderation.* and support.* (this app's templates).
    notification_kinds = (
        NotificationKind("moderation.outcome", "moderation", _("Outcome of a report")),
        NotificationKind("moderation.hidden", "moderation", _("Content hidden by moderation")),
        NotificationKind("moderation.warning", "moderation", _("Warning from the moderators")),
        NotificationKind("moderation.appeal", "moderation", _("Decision on an appeal")),
        NotificationKind("moderation.waiting", "moderation", _("Reports waiting for 48 hours")),
        NotificationKind("support.answer", "moderation", _("Answer of the team")),
        NotificationKind("support.request", "moderation", _("New request to the team")),
    )
    periodic_tasks = (
        PeriodicTask(
            "moderation.tasks.remind_waiting_cases",
            minutes=60,
            name="moderation: remind the platform staff of reports waiting 48 hours",
        ),
    )

    def ready(self):
        from core.signals import content_held
        from moderation import receivers

        content_held.connect(receivers.content_held, dispatch_uid="moderation.content_held")

        from accounts.signals import personal_data_export

        personal_data_export.connect(receivers.personal_data, dispatch_uid="moderation.export")
