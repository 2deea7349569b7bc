from django.utils.translation import gettext_lazy as _

from core.modules import PlatformModule, ReportableKind
from notifications.kinds import Frequency, NotificationKind, Rubric


class SuggestionsConfig(PlatformModule):
    """Residents' suggestions to the town hall, their votes and follow-up (SUG-1, SUG-2)."""

    default = True
    name = "modules.suggestions"
    label = "suggestions"
    verbose_name = _("Suggestions")

    module_label = "suggestions"
    description = _(
        "Residents propose ideas to the town hall; published ones are voted for or against "
        "and followed up in public."
    )
    default_enabled = True
    url_prefix = "suggestions"
    site_urls = "modules.suggestions.urls"
    api_urls = "modules.suggestions.api_urls"
    admin_viewsets = (
        "modules.suggestions.admin.SuggestionViewSet",
        "modules.suggestions.admin.CategoryViewSet",
    )
    demo_data = "modules.suggestions.demo.load"
    rubrics = (
        Rubric(
            "suggestions",
            _("Suggestions"),
            _("New suggestions of residents, and the follow-up of those you support."),
            frequency=Frequency.DAILY,
            push=False,
            order=65,
        ),
    )
    notification_kinds = (
        NotificationKind("suggestions.proposed", "requests", _("A resident proposes a suggestion")),
        NotificationKind("suggestions.decided", "suggestions", _("Decision on your suggestion")),
        NotificationKind("suggestions.published", "suggestions", _("A new suggestion")),
        NotificationKind("suggestions.status", "suggestions", _("Follow-up of a suggestion")),
    )
    personal_data = "modules.suggestions.receivers.personal_data"
    # Suggestions and votes stay under "Ancien membre"; the closed account follows nothing.
    account_closure = "modules.suggestions.receivers.close"
    reportable_kinds = (
        ReportableKind(
            "suggestions.suggestion",
            "suggestions.Suggestion",
            commune="commune",
            label=_("suggestion"),
            excerpt="description",
            can_see="modules.suggestions.reporting.can_see",
            town_hall=True,
            link="modules.suggestions.reporting.link",
        ),
    )

    def ready(self):
        super().ready()
        from django.utils.translation import ngettext_lazy
        from wagtail.permissions import register_permission_policy

        from core.abuse import register_action
        from modules.suggestions import reporting
        from modules.suggestions.models import Category, Suggestion
        from modules.suggestions.permissions import (
            CategoryPermissionPolicy,
            SuggestionPermissionPolicy,
        )

        register_permission_policy(Suggestion, SuggestionPermissionPolicy(Suggestion))
        register_permission_policy(Category, CategoryPermissionPolicy(Category))
        reporting.register()
        # At most 5 proposals an hour (2 for an account younger than a week).
        register_action(
            "suggestion",
            per_hour=(5, 2),
            refusal=ngettext_lazy(
                "You proposed %(count)s suggestion in the last hour, the most allowed.",
                "You proposed %(count)s suggestions in the last hour, the most allowed.",
                "count",
            ),
        )
