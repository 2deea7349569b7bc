from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask
from notifications.kinds import NotificationKind


class CommunitiesConfig(AppConfig):
    name = "communities"
    label = "communities"
    verbose_name = _("Neighbourhood communities")

    # E-mails worded by notifications/email/kinds/community.* (docs/architecture.md).
    # Requests to decide go to the deciders' "requests" rubric; what happens to one's
    # own request, role or membership to "community"; neither is locked (see the doc).
    notification_kinds = (
        NotificationKind("community.request", "requests", _("Request to join your community")),
        NotificationKind(
            "community.requests_pending", "requests", _("Requests still waiting for a decision")
        ),
        NotificationKind(
            "community.requests_escalated",
            "requests",
            _("Requests to join left to the platform's staff"),
        ),
        NotificationKind("community.exclusion_request", "requests", _("Exclusion to decide")),
        NotificationKind(
            "community.merge_agreed", "requests", _("Merge of communities to execute")
        ),
        NotificationKind(
            "community.merge_proposed", "requests", _("Merge of communities to agree to")
        ),
        NotificationKind("community.merge_ready", "community", _("Merge of communities agreed")),
        NotificationKind("community.decision", "community", _("Decision on your request")),
        NotificationKind("community.referent", "community", _("Your role of référent")),
        NotificationKind("community.excluded", "community", _("Your exclusion from a community")),
        NotificationKind(
            "community.exclusion_decided", "community", _("Decision on your exclusion request")
        ),
        NotificationKind("community.birthday", "birthdays", _("Birthday of a member")),
    )

    # Core apps declare schedules like modules do (core.schedules.sync_schedules).
    periodic_tasks = (
        PeriodicTask(
            func="communities.tasks.remind_referents",
            minutes=60,
            name="communities: remind référents of pending requests",
        ),
        PeriodicTask(
            func="communities.tasks.escalate_requests",
            minutes=60,
            name="communities: send old requests to the platform's staff",
        ),
        PeriodicTask(
            func="communities.birthdays.send_birthdays",
            minutes=15,
            # The Schedule row's key (core.schedules.sync_schedules updates by name),
            # kept from when notifications sent them: migrate repoints the existing row.
            name="notifications: birthday notices, per time zone",
        ),
    )

    def ready(self):
        from accounts import services as account_services
        from accounts.signals import account_closed, personal_data_export
        from communities import services
        from communities.panels import home_panel
        from communities.privacy import register
        from core.signals import commune_home_panels

        register()
        if services.check_home_inside_community not in account_services.home_location_validators:
            account_services.home_location_validators.append(services.check_home_inside_community)
        account_closed.connect(services.on_account_closed, dispatch_uid="communities.closed")
        personal_data_export.connect(services.personal_data, dispatch_uid="communities.export")
        commune_home_panels.connect(home_panel, dispatch_uid="communities.home_panel")
