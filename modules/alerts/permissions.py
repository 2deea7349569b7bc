"""Who may do what with alerts in the Wagtail admin (ALR-4, ALR-5).

Nobody changes or deletes an alert, superusers included: a correction is a new
alert. Town-hall staff view their commune's alerts (and, in a partner commune, its
communities' alerts: COM-2); the police of a partner commune
(``communes.view_community_alerts``) view its communities' alerts, read only; those
who may send alerts (``communes.send_alerts``) add one, which sends it.

Wagtail asks the policy for the menu on every admin page and for each row of the
list, so answers are kept on the user object for the request (as Django keeps
``has_perm``'s): one query for the menu, none per row.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from wagtail.permission_policies import ModelPermissionPolicy

from accounts.selectors import is_open_account
from accounts.staff import is_platform_staff
from communes.models import Commune
from communes.selectors import communes_of_staff
from modules.alerts.selectors import (
    alerts_for_staff,
    communes_alerted_by,
    community_alert_communes,
)

CACHE_ATTRIBUTE = "_alerts_admin_permissions"


def _remember(user, key: str, compute):
    cache = getattr(user, CACHE_ATTRIBUTE, None)
    if cache is None:
        cache = {}
        setattr(user, CACHE_ATTRIBUTE, cache)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def staff_communes(user) -> dict[int, tuple[bool, bool]]:
    """``{commune id: (town-hall alerts, communities' alerts)}``: which alerts of each
    commune ``user`` views in the admin (not platform staff). One query per request.

    The town hall's staff view its own alerts, and in a partner commune its
    communities' alerts; the other holders of ``view_community_alerts`` (police) are
    listed only for a partner commune: so the second flag is "is a partner"."""

    def compute() -> dict[int, tuple[bool, bool]]:
        town_hall = communes_of_staff(user)
        rows = (
            Commune.objects.filter(
                Q(pk__in=town_hall.values("pk"))
                | Q(pk__in=community_alert_communes(user).values("pk"))
            )
            .annotate(town_hall=Exists(town_hall.filter(pk=OuterRef("pk"))))
            .values_list("pk", "town_hall", "is_partner")
        )
        return {pk: (is_town_hall, partner) for pk, is_town_hall, partner in rows}

    return _remember(user, "staff_communes", compute)


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
    town_hall, communities = staff_communes(user).get(alert.commune_id, (False, False))
    return communities if alert.community_id is not None else town_hall


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
