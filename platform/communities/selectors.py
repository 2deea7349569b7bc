"""Reads about communities: geography, membership, roles, lists (CTY-1…CTY-13)."""

from __future__ import annotations

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.db.models import F, QuerySet
from django.http import Http404

from accounts.selectors import is_open_account, open_accounts
from accounts.staff import is_platform_staff
from communities.geo import as_point, degrees_for
from communities.models import Community, HistoryEntry, Membership

# --- geography ----------------------------------------------------------------------


def community_covering(point) -> Community | None:
    """The community whose boundary contains ``point`` (one indexed query)."""
    point = as_point(point)
    return Community.objects.select_related("commune").filter(area__contains=point).first()


def communities_near(point, meters: float) -> QuerySet[Community]:
    """Communities at most ``meters`` from ``point``, nearest first (one indexed query).

    ``dwithin`` in degrees uses the spatial index as a generous pre-filter; the
    exact geodesic distance then keeps only those truly within ``meters``.
    """
    point = as_point(point)
    return (
        Community.objects.filter(area__dwithin=(point, degrees_for(meters, point.y)))
        .filter(area__distance_lte=(point, D(m=meters)))
        .annotate(distance=Distance("area", point))
        .order_by("distance", "pk")
    )


def communities_near_community(community: Community, meters: float) -> QuerySet[Community]:
    """Other communities whose boundary lies within ``meters`` of ``community``'s (TWN-1)."""
    centroid = community.area.centroid
    return (
        Community.objects.exclude(pk=community.pk)
        .filter(area__dwithin=(community.area, degrees_for(meters, centroid.y)))
        .filter(area__distance_lte=(community.area, D(m=meters)))
        .annotate(distance=Distance("area", community.area))
        .order_by("distance", "pk")
    )


def overlapping(polygon, *, exclude_pks=()) -> QuerySet[Community]:
    """Communities whose interior meets ``polygon``'s; sharing a border is fine."""
    return (
        Community.objects.filter(area__intersects=polygon)
        .exclude(area__touches=polygon)
        .exclude(pk__in=list(exclude_pks))
        .order_by("name")
    )


# --- membership -------------------------------------------------------------------------


def current_membership(user) -> Membership | None:
    """The person's pending request or membership (CTY-6: at most one), or None."""
    if not is_open_account(user):
        return None
    return (
        Membership.objects.select_related("community", "community__commune")
        .filter(user=user, status__in=Membership.CURRENT)
        .first()
    )


def membership_in(user, community: Community) -> Membership | None:
    if not is_open_account(user):
        return None
    return (
        Membership.objects.filter(user=user, community=community, status__in=Membership.CURRENT)
        .select_related("community")
        .first()
    )


def is_member(user, community: Community) -> bool:
    return (
        is_open_account(user)
        and Membership.objects.members().filter(user=user, community=community).exists()
    )


def is_referent(user, community: Community) -> bool:
    return (
        is_open_account(user)
        and Membership.objects.referents().filter(user=user, community=community).exists()
    )


def is_referent_anywhere(user) -> bool:
    return is_open_account(user) and Membership.objects.referents().filter(user=user).exists()


def community_of(user) -> Community | None:
    """The community the person is a member of (not merely pending)."""
    membership = current_membership(user)
    if membership is None or membership.status != Membership.Status.MEMBER:
        return None
    return membership.community


def can_manage_communities(user) -> bool:
    """Platform staff decide exclusions, lift caps, redraw and merge (CTY-2, CTY-8, CTY-12)."""
    return is_platform_staff(user)


def members_of(community: Community) -> QuerySet:
    """The people who are members, référents first, then by name (for the directory)."""
    from accounts.models import User

    # One membership row per member (CTY-6): the joined row carries the role.
    return (
        open_accounts(
            User.objects.filter(
                community_memberships__community=community,
                community_memberships__status=Membership.Status.MEMBER,
            )
        )
        .annotate(is_referent=F("community_memberships__is_referent"))
        .order_by("-is_referent", "last_name", "first_name", "pk")
    )


def referents_of(community: Community) -> QuerySet:
    from accounts.models import User

    return open_accounts(
        User.objects.filter(
            community_memberships__community=community,
            community_memberships__status=Membership.Status.MEMBER,
            community_memberships__is_referent=True,
        )
    ).order_by("last_name", "first_name", "pk")


def pending_requests(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.pending()
        .filter(community=community)
        .select_related("user")
        .order_by("requested_at")
    )


def history_of(community: Community) -> QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(community=community).select_related("person", "actor")


def public_communities(*, country: str = "", commune=None) -> QuerySet[Community]:
    """CTY-3: every community with its member count, by country and commune (no person)."""
    qs = Community.objects.select_related("commune").with_member_count()
    if country:
        qs = qs.filter(commune__country=country)
    if commune is not None:
        qs = qs.filter(commune=commune)
    return qs.order_by("commune__country", "commune__name", "name", "pk")


def access_community_as_member(user, pk) -> Community:
    """The community ``pk`` if ``user`` is a member of it; 404 otherwise.

    A pending member, a neighbour or a stranger get the same 404: they learn
    nothing of the community beyond its public page (CTY-4).
    """
    community = (
        Community.objects.select_related("commune")
        .filter(pk=pk, memberships__user=user, memberships__status=Membership.Status.MEMBER)
        .first()
        if is_open_account(user)
        else None
    )
    if community is None:
        raise Http404
    return community
