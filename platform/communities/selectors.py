"""Reads about communities: geography, membership, roles, lists (CTY-1…CTY-13).

Site views, the API, the Wagtail admin and the services all read here:

* ``access_community(user, pk, as_=…)`` fetches a community by its id for one role
  (public, member, référent, référent or staff, decider, staff) and answers Http404
  alike for a missing community and one the person may not see in that role;
  ``access_merge_proposal`` does the same for a merge proposal;
* one ``can_<verb>`` per rule (``can_act_as_referent``, ``can_decide``,
  ``can_agree_merge``, ``can_cancel_merge``): the services enforce it, pages and the
  API ask it to offer an action;
* the querysets of the lists, with the joins their pages read (one query per list);
* the signed invitation link (CTY-10).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.core import signing
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.urls import reverse

from accounts.selectors import is_open_account, open_account_q, open_accounts
from accounts.staff import is_platform_staff
from communes.models import Commune
from communes.services import commune_url
from communities.geo import as_point, degrees_for
from communities.models import (
    Community,
    CommunityPage,
    CommunityQuerySet,
    Exclusion,
    HistoryEntry,
    Invitation,
    Membership,
    MergeProposal,
    MergeSide,
    ValidationMode,
)

if TYPE_CHECKING:
    from django.contrib.gis.geos import GEOSGeometry, Point

    from accounts.models import User

# Neighbours offered for a merge: communities whose boundary is this close (metres).
MERGE_NEIGHBOUR_METERS = 100
INVITATION_SALT = "communities.invitation"

# --- geography ----------------------------------------------------------------------


def community_covering(point: Point | tuple[float, float]) -> Community | None:
    """The community whose boundary contains ``point`` (one indexed query)."""
    point = as_point(point)
    return Community.objects.select_related("commune").filter(area__contains=point).first()


def communities_near(point: Point | tuple[float, float], meters: float) -> CommunityQuerySet:
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


def overlapping(polygon: GEOSGeometry, *, exclude_pks: Iterable[int] = ()) -> QuerySet[Community]:
    """Communities whose interior meets ``polygon``'s; sharing a border is fine."""
    return (
        Community.objects.filter(area__intersects=polygon)
        .exclude(area__touches=polygon)
        .exclude(pk__in=list(exclude_pks))
        .order_by("name")
    )


# --- membership -------------------------------------------------------------------------


def current_membership(user: User) -> Membership | None:
    """The person's pending request or membership (CTY-6: at most one), or None."""
    if not is_open_account(user):
        return None
    return (
        Membership.objects.select_related("community", "community__commune")
        .filter(user=user, status__in=Membership.CURRENT)
        .first()
    )


def membership_in(user: User, community: Community) -> Membership | None:
    if not is_open_account(user):
        return None
    return (
        Membership.objects.filter(user=user, community=community, status__in=Membership.CURRENT)
        .select_related("community")
        .first()
    )


def is_member(user: User, community: Community) -> bool:
    return (
        is_open_account(user)
        and Membership.objects.members().filter(user=user, community=community).exists()
    )


def is_referent(user: User, community: Community | int) -> bool:
    return (
        is_open_account(user)
        and Membership.objects.referents().filter(user=user, community=community).exists()
    )


def is_referent_anywhere(user: User) -> bool:
    return is_open_account(user) and Membership.objects.referents().filter(user=user).exists()


def community_of(user: User) -> Community | None:
    """The community the person is a member of (not merely pending)."""
    membership = current_membership(user)
    if membership is None or membership.status != Membership.Status.MEMBER:
        return None
    return membership.community


def can_manage_communities(user: User) -> bool:
    """Platform staff decide exclusions, lift caps, redraw and merge (CTY-2, CTY-8, CTY-12)."""
    return is_platform_staff(user)


def members_of(community: Community) -> QuerySet[User]:
    """The people who are members, référents first, then by name (for the directory)."""
    # One membership row per member (CTY-6): the joined row carries the role.
    return (
        open_accounts(
            get_user_model().objects.filter(
                community_memberships__community=community,
                community_memberships__status=Membership.Status.MEMBER,
            )
        )
        .annotate(is_referent=F("community_memberships__is_referent"))
        .order_by("-is_referent", "last_name", "first_name", "pk")
    )


def referents_of(community: Community) -> QuerySet:
    return open_accounts(
        get_user_model().objects.filter(
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


def request_of(community: Community, pk: int) -> Membership | None:
    """The request ``pk`` to join ``community`` (any status: the service says if decided)."""
    return Membership.objects.filter(pk=pk, community=community).select_related("user").first()


def history_of(community: Community) -> QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(community=community).select_related("person", "actor")


def member_count(community: Community) -> int:
    return Membership.objects.members().filter(community=community).count()


def last_membership(user: User) -> Membership | None:
    """The person's latest request, whatever became of it (a refusal is shown with its reason)."""
    return (
        Membership.objects.filter(user=user)
        .select_related("community__commune")
        .order_by("-requested_at", "-pk")
        .first()
    )


def open_account(pk: int) -> object | None:
    """The open account ``pk`` (a person named in a request), or None."""
    return get_user_model().objects.filter(open_account_q(), pk=pk).first()


# --- public lists (CTY-3) ----------------------------------------------------------------


def public_communities(
    *,
    country: str = "",
    commune: Commune | None = None,
    near: Point | tuple[float, float] | None = None,
    meters: float | None = None,
) -> QuerySet[Community]:
    """CTY-3: every community with its member count, its commune (and site) and its public
    page, by country and commune (no person); with ``near``, those within ``meters`` of
    that point, nearest first, else by country, commune and name."""
    if near is not None:
        qs = communities_near(
            near, meters if meters is not None else settings.COMMUNITY_NEAR_METERS
        )
    else:
        qs = Community.objects.order_by("commune__country", "commune__name", "name", "pk")
    qs = qs.select_related("commune", "commune__site", "showcase_page").with_member_count()
    if country:
        qs = qs.filter(commune__country=country)
    if commune is not None:
        qs = qs.filter(commune=commune)
    return qs


def commune_by_slug(slug: str) -> Commune | None:
    return Commune.objects.filter(slug=slug).first() if slug else None


def communes_with_communities() -> QuerySet[Commune]:
    """The communes that have at least one community (the public list's filter)."""
    return Commune.objects.filter(communities__isnull=False).distinct().order_by("country", "name")


def showcase_page_of(community: Community) -> CommunityPage | None:
    page: CommunityPage | None = CommunityPage.objects.filter(community=community).first()
    return page


# --- access: one community, for one role (404 alike for missing and not yours) ----------

PUBLIC = "public"  # anyone: the public data (CTY-3)
MEMBER = "member"  # its members (a pending member is not one yet: CTY-4)
REFERENT = "referent"  # its référents (CTY-7)
REFERENT_OR_STAFF = "referent_or_staff"  # its référents and the platform's staff
DECIDER = "decider"  # who decides its requests (``can_decide``, CTY-4)
STAFF = "staff"  # the platform's staff (CTY-2, CTY-8, CTY-12)
ROLES = (PUBLIC, MEMBER, REFERENT, REFERENT_OR_STAFF, DECIDER, STAFF)


def access_community(
    user: User, pk: int, *, as_: str = MEMBER, queryset: QuerySet[Community] | None = None
) -> Community:
    """The community ``pk`` if ``user`` may see it as ``as_`` (one of ``ROLES``); Http404
    otherwise, the same for a missing community and one that is not theirs: a pending
    member, a neighbour or a stranger learn nothing beyond its public page (CTY-4).

    ``queryset`` (default: with its commune) carries the joins the caller reads.
    """
    if as_ not in ROLES:
        raise ValueError(f"Unknown role {as_!r}")
    if as_ == REFERENT_OR_STAFF:
        as_ = STAFF if is_platform_staff(user) else REFERENT
    qs = queryset if queryset is not None else Community.objects.select_related("commune")
    qs = qs.filter(pk=pk)
    community = None
    if as_ in (MEMBER, REFERENT):
        if is_open_account(user):
            rows = Membership.objects.members() if as_ == MEMBER else Membership.objects.referents()
            community = qs.filter(Exists(rows.filter(community=OuterRef("pk"), user=user))).first()
    elif as_ != STAFF or is_platform_staff(user):
        community = qs.first()
        decides = community is None or can_decide(user, Membership(community=community))
        if as_ == DECIDER and not decides:
            community = None
    if community is None:
        raise Http404
    return community


def access_community_as_member(user: User, pk: int) -> Community:
    """``access_community(user, pk, as_=MEMBER)`` (the modules' name for it)."""
    return access_community(user, pk, as_=MEMBER)


MERGE_ACTIVE = (MergeProposal.Status.OPEN, MergeProposal.Status.AGREED)


def merge_proposals() -> QuerySet[MergeProposal]:
    """Merge proposals with the kept community, its commune and every side (one query
    for the proposals, one for their sides)."""
    return MergeProposal.objects.select_related("kept__commune").prefetch_related(
        Prefetch("sides", queryset=MergeSide.objects.select_related("community__commune"))
    )


def open_merge_proposals(community: Community) -> QuerySet[MergeProposal]:
    """The proposals of ``community`` still waiting for a side or for the staff, newest first."""
    return (
        merge_proposals()
        .filter(sides__community=community, status__in=MERGE_ACTIVE)
        .order_by("-proposed_at", "-pk")
    )


def merge_proposals_for_staff(status: str = "") -> QuerySet[MergeProposal]:
    """Every proposal for the platform's staff: agreed ones first (they wait for them),
    then open, executed and cancelled ones, oldest first within each; ``status`` filters."""
    order = Case(
        *(
            When(status=value, then=Value(rank))
            for rank, value in enumerate(
                [
                    MergeProposal.Status.AGREED,
                    MergeProposal.Status.OPEN,
                    MergeProposal.Status.EXECUTED,
                    MergeProposal.Status.CANCELLED,
                ]
            )
        ),
        output_field=IntegerField(),
    )
    proposals = merge_proposals()
    if status:
        proposals = proposals.filter(status=status)
    return proposals.annotate(status_rank=order).order_by("status_rank", "proposed_at", "pk")


def busy_in_merges(community_pks: Iterable[int], *, exclude: int | None = None) -> set[int]:
    """Those of ``community_pks`` already part of an open or agreed proposal (CTY-12)."""
    sides = MergeSide.objects.filter(
        community__in=list(community_pks), proposal__status__in=MERGE_ACTIVE
    )
    if exclude is not None:
        sides = sides.exclude(proposal=exclude)
    return set(sides.values_list("community_id", flat=True))


def merge_candidates(community: Community) -> QuerySet[Community]:
    """Communities of the same commune that can join ``community`` in a merge: those
    within ``MERGE_NEIGHBOUR_METERS`` of it, and those as close to one of these (a merge of
    several communities may go through a neighbour), nearest first. Two queries."""
    first_ring = list(
        communities_near_community(community, MERGE_NEIGHBOUR_METERS)
        .filter(commune=community.commune_id)
        .only("pk", "area")
    )
    reach: GEOSGeometry = community.area
    for neighbour in first_ring:
        reach = reach.union(neighbour.area)
    reach.srid = community.area.srid
    centroid = community.area.centroid
    return (
        Community.objects.filter(commune=community.commune_id)
        .exclude(pk=community.pk)
        .filter(area__dwithin=(reach, degrees_for(MERGE_NEIGHBOUR_METERS, centroid.y)))
        .filter(area__distance_lte=(reach, D(m=MERGE_NEIGHBOUR_METERS)))
        .annotate(distance=Distance("area", community.area))
        .order_by("distance", "name", "pk")
        .only("pk", "name")
    )


def access_merge_proposal(user: User, pk: int) -> MergeProposal:
    """A proposal for the référents of any of its communities and the platform's staff;
    Http404 for anyone else and for a missing proposal alike."""
    proposal = merge_proposals().filter(pk=pk).first()
    if proposal is None or not _merge_party(user, proposal):
        raise Http404
    return proposal


# --- rules: who may do what (the services enforce them; pages and the API offer) ----------


def can_act_as_referent(user: User, community: Community | None) -> bool:
    """CTY-7: a référent of ``community`` (an open account, a member holding the role)
    renames it, edits its showcase, changes its roles, asks exclusions, proposes and
    agrees to merges. The platform's staff are not référents: they have their own acts."""
    return community is not None and is_referent(user, community)


def can_decide(user: User, membership: Membership) -> bool:
    """CTY-4: platform staff always; référents of the community when its mode in force
    (``Community.effective_validation_mode``, COM-2) is "by a référent"."""
    if is_platform_staff(user):
        return True
    community = membership.community
    if community.effective_validation_mode != ValidationMode.REFERENT:
        return False
    return can_act_as_referent(user, community)


def merge_side_to_agree(user: User, proposal: MergeProposal) -> MergeSide | None:
    """The side of an open proposal that ``user`` agrees for as its référent and that has
    not agreed yet, or None when they may not agree."""
    if proposal.status != MergeProposal.Status.OPEN:
        return None
    side = merge_side_of(user, proposal)
    return side if side is not None and not side.agreed else None


def can_agree_merge(user: User, proposal: MergeProposal) -> bool:
    """CTY-12: a référent of a side that has not agreed yet, while the proposal is open."""
    return merge_side_to_agree(user, proposal) is not None


def merge_side_of(user: User, proposal: MergeProposal) -> MergeSide | None:
    """The side ``user`` is a référent of (a person belongs to one community), if any.
    One query, whatever the number of sides."""
    if not is_open_account(user):
        return None
    ids = {side.community_id for side in proposal.ordered_sides if side.community_id}
    mine = set(
        Membership.objects.referents()
        .filter(user=user, community__in=ids)
        .values_list("community_id", flat=True)
    )
    return next((side for side in proposal.ordered_sides if side.community_id in mine), None)


def _merge_party(user: User, proposal: MergeProposal) -> bool:
    return is_platform_staff(user) or merge_side_of(user, proposal) is not None


def can_cancel_merge(user: User, proposal: MergeProposal) -> bool:
    """CTY-12: a référent of any of its communities or the platform's staff, until it is
    merged."""
    return proposal.status in MERGE_ACTIVE and _merge_party(user, proposal)


# --- the platform staff's queues (admin) --------------------------------------------------


def communities_for_staff(query: str = "") -> QuerySet[Community]:
    communities = Community.objects.select_related("commune").with_member_count()
    query = query.strip()
    if query:
        communities = communities.filter(
            Q(name__icontains=query) | Q(commune__name__icontains=query)
        )
    return communities.order_by("commune__name", "name", "pk")


def communities_of_commune(commune: Commune) -> QuerySet[Community]:
    """A partner town hall's communities with their member counts (COM-2), by name."""
    return (
        Community.objects.filter(commune=commune)
        .select_related("commune")
        .with_member_count()
        .order_by("name", "pk")
    )


def requests_for_platform_staff() -> QuerySet[Membership]:
    """Pending requests the platform's staff decide: escalated ones (CTY-5) and those of
    communities whose mode in force is "by the platform's staff" (CTY-4, COM-2)."""
    imposed = Q(community__commune__is_partner=True) & ~Q(
        community__commune__community_validation_mode=""
    )
    staff_mode = (
        imposed & Q(community__commune__community_validation_mode=ValidationMode.PLATFORM_STAFF)
    ) | (~imposed & Q(community__validation_mode=ValidationMode.PLATFORM_STAFF))
    return (
        Membership.objects.pending()
        .filter(Q(escalated_at__isnull=False) | staff_mode)
        .select_related("community", "community__commune")
        .order_by("requested_at", "pk")
    )


def exclusion(pk: int) -> Exclusion | None:
    return Exclusion.objects.filter(pk=pk).select_related("community").first()


def requested_exclusions() -> QuerySet[Exclusion]:
    return (
        Exclusion.objects.filter(status=Exclusion.Status.REQUESTED)
        .select_related("community", "community__commune")
        .order_by("requested_at", "pk")
    )


def executed_exclusions() -> QuerySet[Exclusion]:
    """Executed exclusions that still keep the person out (none lifted yet)."""
    return (
        Exclusion.objects.filter(status=Exclusion.Status.EXECUTED, lifted_at__isnull=True)
        .select_related("community", "community__commune")
        .order_by("-decided_at", "-pk")
    )


def agreed_merges() -> QuerySet[MergeProposal]:
    """Proposals every side agreed to, waiting for the platform's staff, oldest first."""
    return (
        merge_proposals().filter(status=MergeProposal.Status.AGREED).order_by("proposed_at", "pk")
    )


# --- invitations (CTY-10): the signed link -----------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"c": invitation.community_id, "i": invitation.pk}, salt=INVITATION_SALT)


def invitation_community(token: str) -> Community | None:
    """The community of a signed invitation link, or None when expired or tampered."""
    try:
        data = signing.loads(
            token, salt=INVITATION_SALT, max_age=settings.COMMUNITY_INVITATION_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return Community.objects.select_related("commune").filter(pk=data.get("c")).first()


def invitation_url(invitation: Invitation) -> str:
    return commune_url(
        invitation.community.commune,
        reverse("communities:invitation", args=[invitation_token(invitation)]),
    )


# --- the partner town hall and its police reach the référents (COM-2) ---------------------


def referents_in_commune(commune: Commune) -> QuerySet:
    """Open accounts who are référents of a community of ``commune`` (the people its town
    hall and police may write to, seed 003: "l'interlocuteur privilégié de la Mairie et des
    forces de l'ordre")."""
    memberships = Membership.objects.referents().filter(community__commune=commune)
    return open_accounts(get_user_model().objects.filter(pk__in=memberships.values("user_id")))


def referents_by_community(communities: Iterable[Community | int]) -> dict[int, list]:
    """The référents (open accounts) of each community, by name: one query for the page.

    ``{community_id: [user, …]}``, every community given present (an empty list when it has
    no référent with an open account)."""
    ids = [c.pk if isinstance(c, Community) else int(c) for c in communities]
    found: dict[int, list] = {pk: [] for pk in ids}
    if not ids:
        return found
    rows = (
        Membership.objects.referents()
        .filter(open_account_q("user__"), community_id__in=ids)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    for membership in rows:
        found[membership.community_id].append(membership.user)
    return found
