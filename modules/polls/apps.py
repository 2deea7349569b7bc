from django.utils.translation import gettext_lazy as _

from core.modules import PeriodicTask, PlatformModule, ReportableKind
from notifications.kinds import NotificationKind, Rubric


class PollsConfig(PlatformModule):
    """The town hall's polls (POL-1) with anonymous ballots (POL-2)."""

    default = True
    name = "modules.polls"
    label = "polls"
    verbose_name = _("Polls")

    module_label = "polls"
    description = _(
        "The town hall asks its residents a question; each validated resident answers once, "
        "anonymously, and everyone sees the results."
    )
    default_enabled = True
    url_prefix = "sondages"
    site_urls = "modules.polls.urls"
    api_urls = "modules.polls.api_urls"
    admin_viewsets = ("modules.polls.admin.PollViewSet",)
    demo_data = "modules.polls.demo.load"
    rubrics = (
        Rubric(
            "polls",
            _("Polls"),
            _("A poll of the town hall opens; its results are out."),
            push=True,
            order=60,
        ),
    )
    notification_kinds = (
        NotificationKind("polls.opened", "polls", _("A poll is open")),
        NotificationKind("polls.results", "polls", _("The results of a poll are out")),
    )
    feed_pins = ("modules.polls.receivers.feed_pin",)
    personal_data = "modules.polls.receivers.personal_data"
    # The register keeps "this account took part" (it must still count once); nothing
    # else of the person is in the module.
    account_closure = None
    reportable_kinds = (
        ReportableKind(
            "polls.poll",
            "polls.Poll",
            commune="commune",
            label=_("poll"),
            author="created_by",
            excerpt="question",
            can_see="modules.polls.reporting.can_see",
            # The town hall's own content: the platform's moderators judge it.
            town_hall=False,
            link="modules.polls.reporting.link",
        ),
    )
    periodic_tasks = (
        PeriodicTask(func="modules.polls.tasks.tally_due", minutes=1, name="polls: tally"),
        PeriodicTask(
            func="modules.polls.tasks.notify_opened", minutes=5, name="polls: notify opened"
        ),
    )

    def ready(self):
        super().ready()
        from django.conf import settings
        from wagtail.permissions import register_permission_policy

        from modules.polls.ballots import batch_size, keyring
        from modules.polls.models import Poll
        from modules.polls.permissions import PollPermissionPolicy

        register_permission_policy(Poll, PollPermissionPolicy(Poll))
        # A malformed key stops start-up instead of the first vote (production refuses a
        # missing one in its settings; development runs without polls' keys).
        if getattr(settings, "POLL_BALLOT_KEYS", None):
            keyring()
        batch_size()
