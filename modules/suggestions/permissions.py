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

from wagtail.permission_policies import ModelPermissionPolicy

from accounts.selectors import is_open_account
from modules.suggestions.selectors import STAFF_SCOPE, communes_managed


class _ScopedPolicy(ModelPermissionPolicy):
    actions: frozenset[str] = frozenset()
    scope = STAFF_SCOPE

    def _is_manager(self, user) -> bool:
        cached = getattr(user, "_suggestions_manager", None)
        if cached is None:
            cached = bool(user.is_authenticated) and (
                user.is_superuser or communes_managed(user).exists()
            )
            if user.is_authenticated:
                user._suggestions_manager = cached
        return cached

    def user_has_permission(self, user, action):
        if action not in self.actions or not is_open_account(user):
            return False
        return self._is_manager(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return (
            self.scope.filter(self.model._default_manager.all(), user=user)
            .filter(pk=instance.pk)
            .exists()
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.scope.filter(self.model._default_manager.all(), user=user)


class SuggestionPermissionPolicy(_ScopedPolicy):
    """Staff read the suggestions of their communes and decide on them (the decision page,
    ``admin.SuggestionDecideView``, asks ``staff``'s rules for each action)."""

    actions = frozenset({"view"})


class CategoryPermissionPolicy(_ScopedPolicy):
    actions = frozenset({"view", "add", "change", "delete"})

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and instance.suggestions.exists():
            return False  # retire it instead: its suggestions keep it
        return super().user_has_permission_for_instance(user, action, instance)
