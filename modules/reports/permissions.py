"""The Wagtail admin's permission policies of reports (no Django permission to grant).

* Reports: the staff who handle reports (``selectors.STAFF_SCOPE``) view the reports
  they handle (the town hall: all of its commune's; a technical service's member: their
  service's) and change them (``selectors.can_handle``). Nobody adds one in the admin
  (residents and Open311 do) nor deletes one (moderation hides it).
* Categories: the town hall adds, changes and deletes them (a category with reports is
  retired, not deleted); technical services' members read them.
* Services and Open311 integrators: the town hall only.
"""

from __future__ import annotations

from django.db.models import QuerySet

from core.admin_scope import ScopedPermissionPolicy
from modules.reports.selectors import (
    STAFF_SCOPE,
    TOWN_HALL_SCOPE,
    can_handle,
    handled_reports,
    town_hall_communes,
)


class ReportPermissionPolicy(ScopedPermissionPolicy):
    actions = frozenset({"view", "change"})
    scope = STAFF_SCOPE

    def _rows(self, user) -> QuerySet:
        return handled_reports(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return can_handle(user, instance)


class CategoryPermissionPolicy(ScopedPermissionPolicy):
    actions = frozenset({"view", "add", "change", "delete"})
    scope = STAFF_SCOPE

    def user_has_permission(self, user, action):
        if not super().user_has_permission(user, action):
            return False
        if action == "view":
            return True
        return user.is_superuser or town_hall_communes(user).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if action == "delete" and instance.reports.exists():
            return False  # retire it instead: its reports keep it
        if action == "view":
            return self._rows(user).filter(pk=instance.pk).exists()
        return TOWN_HALL_SCOPE.filter(
            self.model._default_manager.filter(pk=instance.pk), user=user
        ).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        if "view" in actions:
            return self._rows(user)
        return TOWN_HALL_SCOPE.filter(self.model._default_manager.all(), user=user)


class ServicePermissionPolicy(ScopedPermissionPolicy):
    actions = frozenset({"view", "add", "change", "delete"})
    scope = TOWN_HALL_SCOPE


class IntegratorPermissionPolicy(ScopedPermissionPolicy):
    """Integrators are created (the key shown once) and revoked, never edited nor deleted
    (their reports keep them)."""

    actions = frozenset({"view", "add", "change"})
    scope = TOWN_HALL_SCOPE
