"""Who may do what with alerts in the Wagtail admin (ALR-4, ALR-5).

Nobody changes or deletes an alert, superusers included: a correction is a new
alert. Town-hall staff view their commune's alerts (and, in a partner commune, its
communities' alerts: COM-2); those who may send alerts (``communes.send_alerts``)
add one, which sends it.

Wagtail asks the policy for the menu on every admin page and for each row of the
list, so answers are kept on the user object for the request (as Django keeps
``has_perm``'s): one query for the menu, none per row.
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy

from accounts.selectors import is_open_account
from accounts.staff import is_platform_staff
from communes.selectors import communes_of_staff
from modules.alerts.selectors import alerts_for_staff, communes_alerted_by

CACHE_ATTRIBUTE = "_alerts_admin_permissions"


def _remember(user, key: str, compute):
    cache = getattr(user, CACHE_ATTRIBUTE, None)
    if cache is None:
        cache = {}
        setattr(user, CACHE_ATTRIBUTE, cache)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def staff_communes(user) -> dict[int, bool]:
    """``{commune id: is partner}`` of the communes whose staff ``user`` is (not platform staff)."""
    return _remember(
        user,
        "staff_communes",
        lambda: dict(communes_of_staff(user).values_list("pk", "is_partner")),
    )


def can_view(user) -> bool:
    if not is_open_account(user):
        return False
    return is_platform_staff(user) or bool(staff_communes(user))


def can_add(user) -> bool:
    if not is_open_account(user):
        return False
    return _remember(user, "add", lambda: communes_alerted_by(user).exists())


def can_view_alert(user, alert) -> bool:
    """What ``selectors.alerts_for_staff`` lists, for one alert, without a query per row."""
    if not is_open_account(user):
        return False
    if is_platform_staff(user):
        return True
    partner = staff_communes(user).get(alert.commune_id)
    if partner is None:
        return False
    return alert.community_id is None or partner


class AlertPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action == "add":
            return can_add(user)
        if action == "view":
            return can_view(user)
        return False  # change, delete: never (ALR-4)

    def user_has_any_permission(self, user, actions):
        # Whoever may add (send) is town-hall staff, so may view: view answers first.
        if "view" in actions and can_view(user):
            return True
        return "add" in actions and can_add(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and can_view_alert(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if "view" not in actions or not can_view(user):
            return self.model._default_manager.none()
        return alerts_for_staff(user=user)
