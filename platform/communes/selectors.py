"""Reads on communes and hosting partners, scoped to who asks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from communes.models import Commune, CommuneModule, Follow, HostingPartner, Plan, StaffRole
from communes.roles import COMMUNE_PERMISSIONS, VALIDATE_RESIDENTS
from core.access import is_open_account, open_account_q

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User


def user_can_manage_partner(user: User, partner: HostingPartner) -> bool:
    if not is_open_account(user):
        return False
    if user.is_superuser:
        return True
    return partner.staff.filter(pk=user.pk).exists()


def partners_for_user(user: User) -> QuerySet[HostingPartner]:
    if not getattr(user, "is_authenticated", False):
        return HostingPartner.objects.none()
    if user.is_superuser:
        return HostingPartner.objects.all()
    return HostingPartner.objects.filter(staff=user)


def is_partner_staff(user: User) -> bool:
    return partners_for_user(user).exists()


def communes_managed_by(user: User) -> QuerySet[Commune]:
    """The communes a hosting partner's staff may manage (all, for superusers)."""
    return (
        Commune.objects.filter(hosting_partner__in=partners_for_user(user))
        .select_related("site", "plan", "hosting_partner")
        .prefetch_related(
            Prefetch("module_switches", queryset=CommuneModule.objects.order_by("module"))
        )
    )


def access_managed_commune(user: User, slug: str) -> Commune:
    """Fetch and authorise in one call: 404 alike for 'no such commune' and 'not yours'."""
    commune = communes_managed_by(user).filter(slug=slug).first()
    if commune is None:
        raise Http404
    return commune


def plans_for_user(user: User) -> QuerySet[Plan]:
    return Plan.objects.filter(hosting_partner__in=partners_for_user(user))


def communes_of_staff(user: User) -> QuerySet[Commune]:
    """Communes whose staff ``user`` is: a town-hall role, the editors group, or hosting partner.

    The police role is not the town hall (COM-2): a person who holds only that role in
    a commune is not its staff here (no residents, pages, moderation…); their space is
    what their permissions open (``view_community_alerts``, ``contact_referents``).
    Someone who is also mayor, council… of the commune keeps that role's powers.
    """
    if not is_open_account(user):
        return Commune.objects.none()
    if user.is_superuser:
        return Commune.objects.all()
    town_hall_roles = (
        StaffRole.objects.filter(user=user).exclude(role=StaffRole.Role.POLICE).values("commune_id")
    )
    return Commune.objects.filter(
        Q(editors_group__in=user.groups.all())
        | Q(hosting_partner__staff=user)
        | Q(pk__in=town_hall_roles)
    ).distinct()


def communes_of_police(user: User) -> QuerySet[Commune]:
    """Communes where ``user`` holds the police role (whatever other role they hold)."""
    if not is_open_account(user):
        return Commune.objects.none()
    return Commune.objects.filter(
        pk__in=StaffRole.objects.filter(user=user, role=StaffRole.Role.POLICE).values("commune_id")
    )


def holds_a_staff_role(user: User) -> bool:
    """Whether ``user`` holds any town-hall role, police included (two factors: staff)."""
    return is_open_account(user) and StaffRole.objects.filter(user=user).exists()


def serves_any_commune(user: User) -> bool:
    """Staff of some commune in any capacity, police included: a role, the editors group
    or the hosting partner (who needs two factors, ``accounts.staff.is_any_staff``). One
    query, asked on every request of a signed-in person."""
    if not is_open_account(user):
        return False
    return Commune.objects.filter(
        Q(editors_group__in=user.groups.all())
        | Q(hosting_partner__staff=user)
        | Q(pk__in=StaffRole.objects.filter(user=user).values("commune_id"))
    ).exists()


# --- town-hall permissions (communes.roles) ----------------------------------------


def _codename(perm: str) -> str:
    codename = perm.split(".", 1)[-1]
    if codename not in COMMUNE_PERMISSIONS:
        raise ValueError(f"Not a commune permission: {perm}")
    return codename


def is_partner_staff_of(user: User, commune: Commune) -> bool:
    """Staff of the hosting partner of ``commune``."""
    if not is_open_account(user):
        return False
    return HostingPartner.objects.filter(pk=commune.hosting_partner_id, staff=user).exists()


def commune_permission(user: User, commune: Commune, perm: str) -> bool:
    """Whether ``user`` holds ``perm`` (a codename of ``communes.roles``) on ``commune``.

    Through a town-hall role (a django-guardian object permission), as staff of
    the commune's hosting partner, or as a superuser.
    """
    codename = _codename(perm)
    if not is_open_account(user):
        return False
    if user.is_superuser or user.has_perm(f"communes.{codename}", commune):
        return True
    return is_partner_staff_of(user, commune)


def communes_with_permission(user: User, perm: str) -> QuerySet[Commune]:
    """The communes on which ``user`` holds ``perm``, as :func:`commune_permission` decides."""
    codename = _codename(perm)
    if not is_open_account(user):
        return Commune.objects.none()
    if user.is_superuser:
        return Commune.objects.all()
    granted = get_objects_for_user(
        user, f"communes.{codename}", klass=Commune, with_superuser=False
    ).values("pk")
    return Commune.objects.filter(
        Q(pk__in=granted) | Q(hosting_partner__in=HostingPartner.objects.filter(staff=user))
    )


def holders_of_permission(commune: Commune, perm: str) -> QuerySet:
    """Open accounts holding ``perm`` on ``commune`` through a town-hall role (one query).

    Hosting-partner staff and superusers hold every permission without a role;
    they are not listed (they are not the town hall's team).
    """
    codename = _codename(perm)
    return (
        get_user_model()
        .objects.filter(
            open_account_q(),
            userobjectpermission__content_type=ContentType.objects.get_for_model(Commune),
            userobjectpermission__object_pk=str(commune.pk),
            userobjectpermission__permission__codename=codename,
        )
        .distinct()
    )


def staff_communes_in_scope(request: HttpRequest, perm: str) -> QuerySet[Commune]:
    """Communes an admin screen shows for ``perm``: this host's commune only, on a commune host."""
    user = request.user
    if not user.is_authenticated:
        return Commune.objects.none()
    communes = communes_with_permission(user, perm)
    current = getattr(request, "commune", None)
    if current is not None:
        communes = communes.filter(pk=current.pk)
    return communes


# --- follows (ACC-9, ACC-10) ---------------------------------------------------------


def follows_of(user: User) -> QuerySet[Follow]:
    """The communes ``user`` follows, with the status of each request, by commune name."""
    if not getattr(user, "is_authenticated", False):
        return Follow.objects.none()
    return (
        Follow.objects.filter(user=user)
        .select_related("commune", "commune__site")
        .order_by("commune__name", "pk")
    )


def follow_of(user: User, commune: Commune) -> Follow | None:
    if not getattr(user, "is_authenticated", False) or commune is None:
        return None
    return Follow.objects.filter(user=user, commune=commune).first()


def follows_of_commune(
    *, commune: Commune, viewer: User, status: str | None = None
) -> QuerySet[Follow]:
    """Requests to follow ``commune``, oldest first, for those who validate its residents.

    Raises ``PermissionDenied`` for anyone else.
    """
    if not commune_permission(viewer, commune, VALIDATE_RESIDENTS):
        raise PermissionDenied(_("You do not validate the residents of this commune."))
    follows = Follow.objects.filter(commune=commune).select_related("commune", "commune__site")
    if status:
        follows = follows.filter(status=status)
    return follows.order_by("created_at", "pk")


def pending_follows(*, commune: Commune, viewer: User) -> QuerySet[Follow]:
    return follows_of_commune(commune=commune, viewer=viewer, status=Follow.Status.PENDING)


def pending_follows_for_staff(request: HttpRequest) -> QuerySet[Follow]:
    """Pending requests of every commune the admin screen shows to this staff member."""
    return (
        Follow.objects.pending()
        .filter(commune__in=staff_communes_in_scope(request, VALIDATE_RESIDENTS).values("pk"))
        .select_related("commune")
        .order_by("created_at", "pk")
    )


def access_follow(*, viewer: User, pk: int, commune: Commune | None = None) -> Follow:
    """Fetch a follow that is ``viewer``'s own or one of a commune they validate residents of.

    404 alike for "no such request" and "not yours"; with ``commune``, only its requests.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not is_open_account(viewer) or not 0 < pk < 2**63:
        raise Http404
    follows = Follow.objects.filter(pk=pk).select_related("commune", "commune__site", "user")
    if commune is not None:
        follows = follows.filter(commune=commune)
    follows = follows.filter(
        Q(user=viewer)
        | Q(commune__in=communes_with_permission(viewer, VALIDATE_RESIDENTS).values("pk"))
    )
    follow = follows.first()
    if follow is None:
        raise Http404
    return follow


def is_validated_resident(user: User, commune: Commune) -> bool:
    if not is_open_account(user) or commune is None:
        return False
    return Follow.objects.validated().filter(user=user, commune=commune).exists()


def resident_communes(user: User) -> QuerySet[Commune]:
    """Communes whose staff validated ``user`` as a resident."""
    if not is_open_account(user):
        return Commune.objects.none()
    return Commune.objects.filter(
        follows__user=user, follows__status=Follow.Status.VALIDATED
    ).order_by("name")


def sees_resident_content(user: User, commune: Commune) -> bool:
    """Content for residents only: validated residents and the commune's staff (ACC-10)."""
    if not is_open_account(user) or commune is None:
        return False
    return (
        is_validated_resident(user, commune)
        or communes_of_staff(user).filter(pk=commune.pk).exists()
    )


def communes_to_follow(*, query: str = "") -> QuerySet[Commune]:
    """Communes on the platform, searched by name or postal code (``query``)."""
    communes = Commune.objects.select_related("site").order_by("name", "pk")
    query = query.strip()
    if query:
        communes = communes.filter(Q(name__icontains=query) | Q(postal_codes__icontains=query))
    return communes
