"""Reads on communes and hosting partners, scoped to who asks."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from communes.models import Commune, CommuneModule, HostingPartner, Plan


def user_can_manage_partner(user, partner: HostingPartner) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return partner.staff.filter(pk=user.pk).exists()


def partners_for_user(user) -> QuerySet[HostingPartner]:
    if not getattr(user, "is_authenticated", False):
        return HostingPartner.objects.none()
    if user.is_superuser:
        return HostingPartner.objects.all()
    return HostingPartner.objects.filter(staff=user)


def is_partner_staff(user) -> bool:
    return partners_for_user(user).exists()


def communes_managed_by(user) -> QuerySet[Commune]:
    """The communes a hosting partner's staff may manage (all, for superusers)."""
    return (
        Commune.objects.filter(hosting_partner__in=partners_for_user(user))
        .select_related("site", "plan", "hosting_partner")
        .prefetch_related(
            Prefetch("module_switches", queryset=CommuneModule.objects.order_by("module"))
        )
    )


def access_managed_commune(user, slug: str) -> Commune:
    """Fetch and authorise in one call: 404 alike for 'no such commune' and 'not yours'."""
    commune = communes_managed_by(user).filter(slug=slug).first()
    if commune is None:
        raise Http404
    return commune


def plans_for_user(user) -> QuerySet[Plan]:
    return Plan.objects.filter(hosting_partner__in=partners_for_user(user))


def communes_of_staff(user) -> QuerySet[Commune]:
    """Communes whose staff ``user`` is: a town-hall role, the editors group, or hosting partner."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Commune.objects.none()
    if user.is_superuser:
        return Commune.objects.all()
    return Commune.objects.filter(
        Q(editors_group__in=user.groups.all())
        | Q(hosting_partner__staff=user)
        | Q(staff_roles__user=user)
    ).distinct()
