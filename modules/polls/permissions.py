"""Who manages the town hall's polls (POL-1), in the admin, the staff API and the services.

* The town hall's staff who publish (``communes.roles.PUBLISH_CONTENT``: a town-hall role,
  the hosting partner's staff, superusers) create, change and close the polls of their
  communes, and read their results.
* Platform staff (support and moderation) read every commune's polls in the admin; they
  change nothing.
* Nobody deletes a poll in the admin: moderation hides it (``hidden_at``).

``STAFF_SCOPE`` (``core.admin_scope``) keeps the admin to the communes with the module on
(the host's commune only, on a commune's host) and, for the town hall, to the communes it
serves; ``MANAGE_SCOPE`` is the same without the platform staff's reading: the communes a
new poll may be published for.

Wagtail asks the policy for the menu on every admin page and for each row of the list, so
answers are kept on the user object for the request (as Django keeps ``has_perm``'s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from wagtail.permission_policies import ModelPermissionPolicy

from accounts.selectors import is_open_account
from accounts.staff import is_platform_staff
from communes.models import Commune
from communes.roles import PUBLISH_CONTENT
from communes.selectors import commune_permission, communes_with_permission
from core.admin_scope import CommuneScope, is_superuser

if TYPE_CHECKING:
    from accounts.models import User

MODULE_LABEL = "polls"


def can_manage_polls(user: User, commune: Commune | None) -> bool:
    """Staff who publish for ``commune``'s town hall."""
    return commune is not None and commune_permission(user, commune, PUBLISH_CONTENT)


def communes_managed(user: User) -> QuerySet[Commune]:
    """The communes whose polls ``user`` manages."""
    return communes_with_permission(user, PUBLISH_CONTENT)


def _reads_every_commune(user: User) -> bool:
    return is_superuser(user) or is_platform_staff(user)


# Reading (admin list, results, CSV): the town hall, or platform staff everywhere.
STAFF_SCOPE = CommuneScope(
    staff_communes=communes_managed,
    module_label=MODULE_LABEL,
    sees_every_commune=_reads_every_commune,
)
# Writing (create, edit, close): the town hall only (and superusers).
MANAGE_SCOPE = CommuneScope(staff_communes=communes_managed, module_label=MODULE_LABEL)

CACHE_ATTRIBUTE = "_polls_admin_permissions"
MANAGER_ACTIONS = frozenset({"add", "change", "view"})


def _remember(user, key: str, compute):
    cache = getattr(user, CACHE_ATTRIBUTE, None)
    if cache is None:
        cache = {}
        if user.is_authenticated:
            setattr(user, CACHE_ATTRIBUTE, cache)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def is_poll_manager(user) -> bool:
    """Manages the polls of at least one commune."""
    if not is_open_account(user):
        return False
    return _remember(user, "manager", lambda: user.is_superuser or communes_managed(user).exists())


def managed_commune_ids(user) -> frozenset[int]:
    if not is_open_account(user):
        return frozenset()
    return _remember(
        user,
        "managed_ids",
        lambda: frozenset(communes_managed(user).values_list("pk", flat=True)),
    )


class PollPermissionPolicy(ModelPermissionPolicy):
    """Managers add, change (and close) and view; platform staff view. Never delete."""

    def user_has_permission(self, user, action):
        if not is_open_account(user):
            return False
        if action in MANAGER_ACTIONS and is_poll_manager(user):
            return True
        return action == "view" and is_platform_staff(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser:
            return True
        if action in ("add", "change"):
            return instance.commune_id in managed_commune_ids(user)
        return is_platform_staff(user) or instance.commune_id in managed_commune_ids(user)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        queryset = self.model._default_manager.all()
        if "view" in actions:
            return STAFF_SCOPE.filter(queryset, user=user)
        return MANAGE_SCOPE.filter(queryset, user=user)
