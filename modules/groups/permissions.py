"""Who may do what with groups in the Wagtail admin (CNT-4).

The town hall's staff who publish (``publish_content``) add and change the groups of
their communes and decide the requests to join, without a Django permission to grant.
Nobody deletes a group (archive it) nor a membership (refuse it); nobody adds a
membership in the admin (residents ask on the site or in the app).
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy

from accounts.selectors import is_open_account
from modules.groups.selectors import MEMBER_SCOPE, STAFF_SCOPE, communes_managed


class _ScopedPolicy(ModelPermissionPolicy):
    actions: frozenset[str] = frozenset()
    scope = STAFF_SCOPE

    def _is_manager(self, user) -> bool:
        cached = getattr(user, "_groups_manager", None)
        if cached is None:
            cached = user.is_superuser or communes_managed(user).exists()
            if user.is_authenticated:
                user._groups_manager = cached
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


class GroupPermissionPolicy(_ScopedPolicy):
    actions = frozenset({"view", "add", "change"})


class GroupMemberPermissionPolicy(_ScopedPolicy):
    actions = frozenset({"view", "change"})
    scope = MEMBER_SCOPE
