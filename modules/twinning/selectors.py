"""Reads on twinnings (TWN-1, TWN-2), scoped to a community."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.selectors import is_open_account
from accounts.staff import is_platform_staff
from communes.models import Commune
from communes.selectors import is_partner_staff, partners_for_user
from communities.models import Community, Membership
from communities.selectors import communities_near_community, is_referent
from core.admin_scope import CommuneScope
from modules.twinning.models import Twinning, TwinningQuerySet

if TYPE_CHECKING:
    from accounts.models import User

MODULE_LABEL = "twinning"


def access_twinning(user: User, pk: int, *, commune: Commune) -> tuple[Twinning, Community]:
    """A twinning involving a community of ``commune`` of which ``user`` is a member, with
    that community; Http404 for a missing twinning and someone else's alike."""
    if commune is None or not is_open_account(user):
        raise Http404
    mine = Membership.objects.members().filter(user=user).values("community")
    twinning = (
        Twinning.objects.select_related("community_a__commune", "community_b__commune")
        .filter(pk=pk)
        .filter(
            Q(community_a__in=mine, community_a__commune=commune)
            | Q(community_b__in=mine, community_b__commune=commune)
        )
        .first()
    )
    if twinning is None:
        raise Http404
    member_of = set(
        Membership.objects.members()
        .filter(user=user, community__in=[twinning.community_a_id, twinning.community_b_id])
        .values_list("community_id", flat=True)
    )
    community = (
        twinning.community_a if twinning.community_a_id in member_of else twinning.community_b
    )
    return twinning, community


def _referent_of(user: User, community_id: int | None) -> bool:
    return community_id is not None and is_referent(user, community_id)


def can_answer_twinning(user: User, twinning: Twinning) -> bool:
    """A référent of the community that was asked answers a proposal still open (TWN-1)."""
    return twinning.status == Twinning.Status.PROPOSED and _referent_of(
        user, twinning.answering_community_id()
    )


def can_end_twinning(user: User, twinning: Twinning) -> bool:
    """A référent of either side ends an active twinning; the proposing side's may also
    withdraw a proposal nobody answered yet (TWN-2)."""
    if twinning.status == Twinning.Status.PROPOSED:
        return _referent_of(user, twinning.proposing_community_id)
    if twinning.status == Twinning.Status.ACTIVE:
        return _referent_of(user, twinning.community_a_id) or _referent_of(
            user, twinning.community_b_id
        )
    return False


def twinnings_of(
    community: Community, *, statuses: Iterable[str] = Twinning.OPEN
) -> QuerySet[Twinning]:
    """The twinnings of ``community`` (active and pending by default), both sides fetched."""
    qs = Twinning.objects.of(community).select_related(
        "community_a__commune", "community_b__commune"
    )
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    return qs.order_by("status", "-proposed_at", "-pk")


def twinned_ids(community: Community) -> QuerySet[Community, Any]:
    """Ids of the communities actively twinned with ``community`` (a subquery)."""
    active = Twinning.objects.active()
    return Community.objects.filter(
        Q(pk__in=active.filter(community_a=community).values("community_b"))
        | Q(pk__in=active.filter(community_b=community).values("community_a"))
    ).values("pk")


def linked_to(community_ids: Iterable[int] | QuerySet[Any]) -> QuerySet[Community, Any]:
    """Ids of the communities actively twinned with any of ``community_ids`` (a subquery).

    The module's ``community_links`` provider for the purpose ``"twinned"``: other
    modules ask ``communities.links.linked_communities``, never this module.
    """
    active = Twinning.objects.active()
    return Community.objects.filter(
        Q(pk__in=active.filter(community_a__in=community_ids).values("community_b"))
        | Q(pk__in=active.filter(community_b__in=community_ids).values("community_a"))
    ).values("pk")


def twinned_communities(community: Community) -> QuerySet[Community]:
    """The communities actively twinned with ``community``, by name."""
    return (
        Community.objects.filter(pk__in=twinned_ids(community))
        .select_related("commune")
        .order_by("name", "pk")
    )


def is_twinned(one: Community, other: Community) -> bool:
    if one is None or other is None or one.pk == other.pk:
        return False
    return Twinning.objects.active().pair(one, other).exists()


def pending_proposals(community: Community) -> QuerySet[Twinning]:
    """Proposals waiting for ``community``'s answer (made by the other side)."""
    return (
        Twinning.objects.proposed()
        .of(community)
        .exclude(proposing_community=community)
        .select_related("community_a__commune", "community_b__commune")
        .order_by("-proposed_at", "-pk")
    )


def open_twinning(one: Community, other: Community) -> Twinning | None:
    return Twinning.objects.open().pair(one, other).first()


def twinning_candidates(community: Community) -> QuerySet[Community]:
    """Communities close enough to be proposed a twinning, without an open one already."""
    taken = Twinning.objects.open().of(community)
    return (
        communities_near_community(community, settings.TWINNING_MAX_DISTANCE_M)
        .exclude(pk__in=taken.values("community_a"))
        .exclude(pk__in=taken.values("community_b"))
        .select_related("commune")
    )


def is_within_reach(community: Community, other: Community) -> bool:
    return (
        communities_near_community(community, settings.TWINNING_MAX_DISTANCE_M)
        .filter(pk=other.pk)
        .exists()
    )


def twinnings_of_commune(commune: Commune) -> TwinningQuerySet:
    """Twinnings between two communities of ``commune``."""
    return Twinning.objects.filter(community_a__commune=commune, community_b__commune=commune)


# --- staff (the Wagtail admin's read-only list) ------------------------------------------


def can_list_twinnings(user: User) -> bool:
    """Platform staff, or staff of a hosting partner (scoped by :data:`STAFF_SCOPE`)."""
    if not is_open_account(user):
        return False
    if is_platform_staff(user):
        return True
    cached = getattr(user, "_twinning_partner_staff", None)
    if cached is None:  # the menu, the view and its buttons ask within one request
        cached = user._twinning_partner_staff = is_partner_staff(user)  # type: ignore[attr-defined]  # a per-request cache on the user
    return cached


def communes_of_partner_staff(user: User) -> QuerySet[Commune]:
    """The communes of the hosting partners ``user`` works for."""
    if not is_open_account(user):
        return Commune.objects.none()
    return Commune.objects.filter(hosting_partner__in=partners_for_user(user))


# The admin's scope (core.admin_scope): the host's commune, or those with the module on;
# platform staff see every commune, a partner's staff their partner's communes. A
# twinning between communities of two communes is in scope when either side is.
STAFF_SCOPE = CommuneScope(
    staff_communes=communes_of_partner_staff,
    commune_field=("community_a__commune", "community_b__commune"),
    module_label=MODULE_LABEL,
    sees_every_commune=is_platform_staff,
)


def twinnings_for_staff(*, user: User, commune: Commune | None = None) -> QuerySet[Twinning]:
    """What the admin list shows ``user``: twinnings with a community in a commune in scope."""
    if not can_list_twinnings(user):
        return Twinning.objects.none()
    return STAFF_SCOPE.filter(
        Twinning.objects.select_related("community_a__commune", "community_b__commune"),
        user=user,
        commune=commune,
    )
