"""Town-hall roles and the commune object permissions they bring (django-guardian).

A ``StaffRole`` row is the record of a role; what it allows is a set of
object permissions on its commune, held as guardian ``UserObjectPermission``
rows that :func:`sync_staff_permissions` keeps equal to the union of the
person's roles in that commune:

=============  ======================================================================
role           permissions on the commune
=============  ======================================================================
mayor          manage_staff, validate_residents, publish_content, send_alerts,
               handle_reports, view_community_alerts, contact_referents
council        validate_residents, publish_content
communication  publish_content, send_alerts
technical      handle_reports
police         view_community_alerts, contact_referents
=============  ======================================================================

Rules (enforced by ``communes.services.staff_role_grant``/``staff_role_revoke``):

* Who manages staff: holders of ``manage_staff`` on the commune (the mayor),
  the staff of the commune's hosting partner, superusers
  (``communes.selectors.commune_permission``).
* Someone holding two roles keeps a permission while one of them still grants it.
* Wagtail page permissions come from the commune's editors group: a person
  whose roles come to grant ``publish_content`` joins it, and leaves it when
  their roles stop granting it. Only these transitions touch the group, so
  someone put in it by hand stays there while they hold no publishing role;
  once they get and lose one, they are out (add them back by hand if needed).
* A commune keeps its last mayor: the town hall cannot revoke it (it would
  lose the right to manage its staff); the hosting partner's staff and
  superusers can, for a mayor who left without a successor on the platform.
* The technical role brings no Wagtail admin access by itself: the reports
  module gives technical services their screens.
* The police role is not the town hall (``communes.selectors.communes_of_staff``
  leaves it out): its holders read the communities' alerts of a partner commune
  and reach the référents. They enter the Wagtail admin (with two factors) through
  the "Police" group, which they join with their first police role and leave with
  their last one (:func:`sync_police_group`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from communes.models import StaffRole

Role = StaffRole.Role

POLICE_GROUP = "Police"

MANAGE_STAFF = "manage_staff"
VALIDATE_RESIDENTS = "validate_residents"
PUBLISH_CONTENT = "publish_content"
SEND_ALERTS = "send_alerts"
HANDLE_REPORTS = "handle_reports"
VIEW_COMMUNITY_ALERTS = "view_community_alerts"
CONTACT_REFERENTS = "contact_referents"

COMMUNE_PERMISSIONS: frozenset[str] = frozenset(
    {
        MANAGE_STAFF,
        VALIDATE_RESIDENTS,
        PUBLISH_CONTENT,
        SEND_ALERTS,
        HANDLE_REPORTS,
        VIEW_COMMUNITY_ALERTS,
        CONTACT_REFERENTS,
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.MAYOR: COMMUNE_PERMISSIONS,
    Role.COUNCIL: frozenset({VALIDATE_RESIDENTS, PUBLISH_CONTENT}),
    Role.COMMUNICATION: frozenset({PUBLISH_CONTENT, SEND_ALERTS}),
    Role.TECHNICAL: frozenset({HANDLE_REPORTS}),
    Role.POLICE: frozenset({VIEW_COMMUNITY_ALERTS, CONTACT_REFERENTS}),
}


def permissions_for_roles(roles: Iterable[str]) -> frozenset[str]:
    """The commune permissions that a set of roles grants together."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def roles_granting(permission: str) -> list[str]:
    """The roles whose holders get ``permission`` (for queries on ``StaffRole``)."""
    return [role for role, permissions in ROLE_PERMISSIONS.items() if permission in permissions]


def held_permissions(*, commune, user) -> frozenset[str]:
    """The commune permissions ``user`` holds on ``commune`` directly (inactive users too)."""
    return frozenset(
        UserObjectPermission.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(commune),
            object_pk=str(commune.pk),
            permission__codename__in=COMMUNE_PERMISSIONS,
        ).values_list("permission__codename", flat=True)
    )


def sync_staff_permissions(*, commune, user) -> tuple[frozenset[str], frozenset[str]]:
    """Make ``user``'s guardian permissions on ``commune`` the union of their roles there.

    Adds or removes guardian rows and the editors-group membership (on
    ``publish_content`` transitions only, see the module docstring). Returns
    the permissions held (before, after). Call it inside the service's
    transaction.
    """
    roles = StaffRole.objects.filter(commune=commune, user=user).values_list("role", flat=True)
    wanted = permissions_for_roles(roles)
    held = held_permissions(commune=commune, user=user)
    for codename in sorted(wanted - held):
        assign_perm(f"communes.{codename}", user, commune)
    for codename in sorted(held - wanted):
        remove_perm(f"communes.{codename}", user, commune)
    group = commune.editors_group
    if group is not None:
        if PUBLISH_CONTENT in wanted and PUBLISH_CONTENT not in held:
            user.groups.add(group)
        elif PUBLISH_CONTENT in held and PUBLISH_CONTENT not in wanted:
            user.groups.remove(group)
    sync_police_group(user)
    return held, wanted


def police_group() -> Group:
    """The admin group of police accounts (Wagtail admin access, nothing else)."""
    group, created = Group.objects.get_or_create(name=POLICE_GROUP)
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    return group


def sync_police_group(user) -> None:
    """``user`` is in the police group while they hold the police role in a commune."""
    is_police = StaffRole.objects.filter(user=user, role=Role.POLICE).exists()
    in_group = user.groups.filter(name=POLICE_GROUP).exists()
    if is_police and not in_group:
        user.groups.add(police_group())
    elif in_group and not is_police:
        user.groups.remove(police_group())
