"""Who handles the residents' suggestions for the town hall (SUG-1, SUG-2), and the Wagtail
admin's permission policies.

The town hall's staff who publish (``publish_content``: mayor, council, communication),
the commune's hosting partner's staff and superusers decide on proposals, follow up the
published suggestions and keep the list of categories, without a Django permission to
grant (``selectors.can_manage_suggestions``, ``STAFF_SCOPE``, as for discussion groups).

In the admin nobody adds a suggestion (a resident proposes it) nor deletes one (staff
refuse it, moderation hides it); a category is retired (``active`` off) rather than
deleted, and can be deleted only while no suggestion uses it.
"""

from __future__ import annotations

from core.admin_scope import ScopedPermissionPolicy
from modules.suggestions.selectors import STAFF_SCOPE


class SuggestionPermissionPolicy(ScopedPermissionPolicy):
    """Staff read the suggestions of their communes and decide on them (the decision page,
    ``admin.SuggestionDecideView``, asks ``staff``'s rules for each action)."""

    actions = frozenset({"view"})
    scope = STAFF_SCOPE


class CategoryPermissionPolicy(ScopedPermissionPolicy):
    actions = frozenset({"view", "add", "change", "delete"})
    scope = STAFF_SCOPE

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and instance.suggestions.exists():
            return False  # retire it instead: its suggestions keep it
        return super().user_has_permission_for_instance(user, action, instance)
