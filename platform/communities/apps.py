from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask
from notifications.kinds import NotificationKind


class CommunitiesConfig(AppConfig):
    name = "communities"
    label = "communities"
    verbose_name = _("Neighbourhood communities")

    # The e-mails of these events are still written by communities.notify (their
    # wording is tested there): the engine adds the centre's row and the push.
    notification_kinds = (
        NotificationKind(
            "community.request", "requests", _("Request to join your community"), email=False
        ),
        NotificationKind(
            "community.decision", "community", _("Decision on your request"), email=False
        ),
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
