"""Who may do what with classifieds in the Wagtail admin.

Superusers and holders of the model permissions as usual; on top of that the
town hall (a commune's editors group) and its hosting partner's staff may view
and change (moderate) the classifieds of their communes, without a Django
permission to grant. Nobody adds a classified in the admin: it needs a resident
author, so residents publish on the site or through the API.
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy

from accounts.selectors import is_open_account
from modules.classifieds.selectors import classifieds_for_staff, communes_moderated_by

MODERATION_ACTIONS = frozenset({"view", "change"})


class ClassifiedPermissionPolicy(ModelPermissionPolicy):
    def _is_moderator(self, user) -> bool:
        cached = getattr(user, "_classifieds_moderator", None)
        if cached is None:
            cached = communes_moderated_by(user).exists()
            if user.is_authenticated:
                user._classifieds_moderator = cached
        return cached

    def user_has_permission(self, user, action):
        if action == "add" or not is_open_account(user):
            return False
        if super().user_has_permission(user, action):
            return True
        return action in MODERATION_ACTIONS and self._is_moderator(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser:
            return True
        return classifieds_for_staff(user=user).filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return classifieds_for_staff(user=user)
