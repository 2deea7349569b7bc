"""Writes on twinnings: every rule of TWN-1 and TWN-2 lives here.

Site views and API views call these functions and nothing else. A proposal
locks both communities (in id order, so two référents proposing to each other
at once cannot deadlock or create two rows); a decision or an end locks the
twinning row. The other side's référents are notified through the engine
(``notifications.fanout.publish``: in-app and e-mail), in the same transaction.

Two receivers connected in ``apps.py`` live here too: a merge of communities hands
the absorbed community's twinnings over to the survivor, and the GDPR export lists
the twinnings a person proposed, decided or ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.roles import MANAGE_STAFF
from communes.selectors import commune_permission
from communes.services import commune_url
from communities.models import Community, HistoryEntry, Membership
from communities.selectors import is_referent, referents_of
from modules.twinning.models import Twinning
from modules.twinning.selectors import (
    can_answer_twinning,
    can_end_twinning,
    is_within_reach,
    twinnings_of_commune,
)
from notifications.fanout import publish

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

# Kinds of community history entry this module writes (declared in apps.py).
HISTORY_TWINNED = "twinned"
HISTORY_TWINNING_ENDED = "twinning_ended"

# --- helpers --------------------------------------------------------------------------


def is_referent_of(user: User, community_id: int | None) -> bool:
    """``communities.selectors.is_referent`` for a community known by its id."""
    return community_id is not None and is_referent(user, community_id)


def _lock_communities(*pks: int) -> dict[int, Community]:
    rows = (
        Community.objects.select_for_update(of=("self",))
        .select_related("commune")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    return {community.pk: community for community in rows}


def _lock_twinning(twinning: Twinning) -> Twinning:
    return (
        Twinning.objects.select_for_update(of=("self",))
        .select_related("community_a__commune", "community_b__commune")
        .get(pk=twinning.pk)
    )


def _history(
    community: Community, kind: str, *, other: Community, actor: User, **extra: Any
) -> HistoryEntry:
    return HistoryEntry(
        community=community,
        kind=kind,
        actor=actor,
        data={"other": other.name, "other_id": other.pk, **extra},
    )


def _both_histories(twinning: Twinning, kind: str, *, actor: User, **extra: Any) -> None:
    a, b = twinning.community_a, twinning.community_b
    HistoryEntry.objects.bulk_create(
        [
            _history(a, kind, other=b, actor=actor, **extra),
            _history(b, kind, other=a, actor=actor, **extra),
        ]
    )


def page_url(community: Community) -> str:
    """The twinnings page of ``community``, on its commune's host."""
    return commune_url(community.commune, reverse("twinning:community", args=[community.pk]))


def _notify(kind: str, *, to: Community, about: Community, actor: User, title: str) -> None:
    publish(
        kind,
        audience=referents_of(to),
        title=title,
        url=page_url(to),
        commune=to.commune,
        actor=actor,
        data={"community": to.pk, "other": about.pk},
    )


# --- TWN-1: référents propose, answer, end -----------------------------------------------


@transaction.atomic
def twinning_propose(*, by: User, community: Community, other: Community | None) -> Twinning:
    """A référent of ``community`` proposes to twin it with a nearby ``other``."""
    if other is None:
        raise ValidationError({"other": _("Choose a community.")})
    locked = _lock_communities(community.pk, other.pk)
    found = locked.get(community.pk)
    if found is None:
        raise ValidationError({"other": _("Choose a community.")})
    community = found
    if not is_referent_of(by, community.pk):
        raise PermissionDenied(_("Only a référent of the community can do this."))
    if other.pk == community.pk:
        raise ValidationError({"other": _("A community cannot be twinned with itself.")})
    other = locked.get(other.pk)
    if other is None:
        raise ValidationError({"other": _("There is no community with this id.")})
    if not is_within_reach(community, other):
        raise ValidationError(
            {
                "other": _(
                    "“%(name)s” is too far away: a twinning is possible with communities "
                    "less than %(distance)s m away."
                )
                % {"name": other.name, "distance": settings.TWINNING_MAX_DISTANCE_M}
            }
        )
    existing = Twinning.objects.open().pair(community, other).first()
    if existing is not None:
        if existing.status == Twinning.Status.ACTIVE:
            message = _("Your community is already twinned with “%(name)s”.")
        else:
            message = _("A twinning with “%(name)s” is already proposed.")
        raise ValidationError({"other": message % {"name": other.name}})
    a, b = sorted([community, other], key=lambda c: c.pk)
    try:
        with transaction.atomic():
            twinning = Twinning.objects.create(
                community_a=a,
                community_b=b,
                proposing_community=community,
                proposed_by=by,
            )
    except IntegrityError as error:  # the pair was proposed meanwhile
        raise ValidationError(
            {"other": _("A twinning with “%(name)s” is already proposed.") % {"name": other.name}}
        ) from error
    _notify(
        "twinning.proposed",
        to=other,
        about=community,
        actor=by,
        title=_("“%(name)s” proposes to twin with your community") % {"name": community.name},
    )
    return twinning


@transaction.atomic
def twinning_decide(*, by: User, twinning: Twinning, accept: bool) -> Twinning:
    """A référent of the community that was asked accepts or refuses the proposal."""
    twinning = _lock_twinning(twinning)
    if twinning.status != Twinning.Status.PROPOSED:
        raise ValidationError(_("This proposal is no longer open."))
    answering = twinning.answering_community_id()
    if not can_answer_twinning(by, twinning):
        raise PermissionDenied(_("A référent of the other community must answer this proposal."))
    now = timezone.now()
    twinning.status = Twinning.Status.ACTIVE if accept else Twinning.Status.REFUSED
    twinning.decided_by = by
    twinning.decided_at = now
    twinning.save(update_fields=["status", "decided_by", "decided_at"])
    answered = (
        twinning.community_a if answering == twinning.community_a_id else twinning.community_b
    )
    proposer = twinning.other_side(answered)
    if accept:
        _both_histories(twinning, HISTORY_TWINNED, actor=by)
        title = _("“%(name)s” accepted to twin with your community")
    else:
        title = _("“%(name)s” declined to twin with your community")
    _notify(
        "twinning.accepted" if accept else "twinning.refused",
        to=proposer,
        about=answered,
        actor=by,
        title=title % {"name": answered.name},
    )
    return twinning


@transaction.atomic
def twinning_end(*, by: User, twinning: Twinning) -> Twinning:
    """A référent of either side ends an active twinning; the proposing side may also
    withdraw a proposal nobody answered yet."""
    twinning = _lock_twinning(twinning)
    if twinning.status not in (Twinning.Status.PROPOSED, Twinning.Status.ACTIVE):
        raise ValidationError(_("This twinning has already ended."))
    if not can_end_twinning(by, twinning):
        raise PermissionDenied(_("Only a référent of the community can do this."))
    withdrawing = twinning.status == Twinning.Status.PROPOSED
    twinning.status = Twinning.Status.ENDED
    twinning.ended_by = by
    twinning.ended_at = timezone.now()
    twinning.save(update_fields=["status", "ended_by", "ended_at"])
    if withdrawing:
        return twinning
    _both_histories(twinning, HISTORY_TWINNING_ENDED, actor=by)
    ours = (
        twinning.community_a
        if is_referent_of(by, twinning.community_a_id)
        else twinning.community_b
    )
    _notify(
        "twinning.ended",
        to=twinning.other_side(ours),
        about=ours,
        actor=by,
        title=_("“%(name)s” ended its twinning with your community") % {"name": ours.name},
    )
    return twinning


# --- TWN-2: a partner town hall twins all its communities --------------------------------


def can_twin_commune(user: User, commune: Commune) -> bool:
    """The mayor (``manage_staff``), the hosting partner's staff or a superuser, of a
    partner commune (COM-2)."""
    return bool(commune.is_partner) and commune_permission(user, commune, MANAGE_STAFF)


def _require_town_hall(by: User, commune: Commune) -> None:
    if not commune.is_partner:
        raise PermissionDenied(_("Only a partner town hall can twin all its communities."))
    if not commune_permission(by, commune, MANAGE_STAFF):
        raise PermissionDenied(_("Only the town hall of the commune can do this."))


def _notify_commune(
    commune: Commune, *, actor: User, title: str, communities: Sequence[Community]
) -> None:
    if not communities:
        return
    from accounts.models import User

    publish(
        "twinning.town_hall",
        audience=User.objects.filter(
            community_memberships__community__in=[c.pk for c in communities],
            community_memberships__status=Membership.Status.MEMBER,
            community_memberships__is_referent=True,
        ),
        title=title,
        url=commune_url(commune, reverse("twinning:index")),
        commune=commune,
        actor=actor,
    )


@transaction.atomic
def commune_twin_all(*, by: User, commune: Commune) -> int:
    """Twin every pair of communities of ``commune`` (a constant number of queries).

    Pairs already twinned stay as they are; pending proposals become active. Returns
    how many pairs became active.
    """
    _require_town_hall(by, commune)
    communities = list(
        Community.objects.select_for_update(of=("self",)).filter(commune=commune).order_by("pk")
    )
    by_pk = {community.pk: community for community in communities}
    open_rows = {
        (t.community_a_id, t.community_b_id): t
        for t in twinnings_of_commune(commune).open().select_for_update(of=("self",))
    }
    now = timezone.now()
    created, activated = [], []
    for a, b in combinations(communities, 2):  # ordered by pk: a.pk < b.pk
        row = open_rows.get((a.pk, b.pk))
        if row is None:
            created.append(
                Twinning(
                    community_a=a,
                    community_b=b,
                    status=Twinning.Status.ACTIVE,
                    proposed_by=by,
                    proposed_at=now,
                    decided_by=by,
                    decided_at=now,
                    via_town_hall=True,
                )
            )
        elif row.status == Twinning.Status.PROPOSED:
            row.status = Twinning.Status.ACTIVE
            row.decided_by, row.decided_at, row.via_town_hall = by, now, True
            activated.append(row)
    Twinning.objects.bulk_create(created)
    Twinning.objects.bulk_update(activated, ["status", "decided_by", "decided_at", "via_town_hall"])
    pairs = [(by_pk[t.community_a_id], by_pk[t.community_b_id]) for t in (*created, *activated)]
    HistoryEntry.objects.bulk_create(
        entry
        for a, b in pairs
        for entry in (
            _history(a, HISTORY_TWINNED, other=b, actor=by, via_town_hall=True),
            _history(b, HISTORY_TWINNED, other=a, actor=by, via_town_hall=True),
        )
    )
    if pairs:
        _notify_commune(
            commune,
            actor=by,
            title=_("The town hall twinned all the communities of %(commune)s")
            % {"commune": commune.name},
            communities=communities,
        )
    return len(pairs)


@transaction.atomic
def commune_untwin_all(*, by: User, commune: Commune) -> int:
    """Undo :func:`commune_twin_all`: end the active twinnings the town hall made.

    Twinnings the référents agreed on by themselves stay. Returns how many ended.
    """
    _require_town_hall(by, commune)
    # Lock the communities first, in the same order as commune_twin_all and proposals.
    list(
        Community.objects.select_for_update(of=("self",))
        .filter(commune=commune)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = list(
        twinnings_of_commune(commune)
        .active()
        .filter(via_town_hall=True)
        .select_related("community_a", "community_b")
        .select_for_update(of=("self",))
    )
    now = timezone.now()
    for row in rows:
        row.status = Twinning.Status.ENDED
        row.ended_by, row.ended_at = by, now
    Twinning.objects.bulk_update(rows, ["status", "ended_by", "ended_at"])
    HistoryEntry.objects.bulk_create(
        entry
        for t in rows
        for entry in (
            _history(
                t.community_a,
                HISTORY_TWINNING_ENDED,
                other=t.community_b,
                actor=by,
                via_town_hall=True,
            ),
            _history(
                t.community_b,
                HISTORY_TWINNING_ENDED,
                other=t.community_a,
                actor=by,
                via_town_hall=True,
            ),
        )
    )
    if rows:
        communities = {t.community_a for t in rows} | {t.community_b for t in rows}
        _notify_commune(
            commune,
            actor=by,
            title=_("The town hall ended the twinnings of the communities of %(commune)s")
            % {"commune": commune.name},
            communities=sorted(communities, key=lambda c: c.pk),
        )
    return len(rows)


# --- a community merged away (CTY-12) -----------------------------------------------------


@transaction.atomic
def twinnings_absorb(survivor: Community, absorbed: Community) -> int:
    """Hand the open twinnings of ``absorbed`` over to ``survivor``, before it is deleted.

    The members of the absorbed community now live in the survivor: the communities they
    were twinned with (or had a pending proposal with) keep that link, with the survivor.
    A twinning with the survivor itself, or with a community the survivor already has an
    open twinning with, is dropped (one open twinning per pair). Refused and ended ones go
    with the absorbed community: they were that pair's past, not the survivor's.

    No history entry is written: the absorbed community's entries (its "Twinned" ones
    included) move to the survivor with the merge, and no kind says "taken over". Runs in
    the merge's transaction, which holds both communities' locks. Returns how many
    twinnings moved.
    """
    rows = list(Twinning.objects.open().of(absorbed).select_for_update(of=("self",)).order_by("pk"))
    if not rows:
        return 0
    # Locked as well: the survivor's open pairs cannot be ended while we rely on them.
    taken = {
        t.other_side_id(survivor)
        for t in Twinning.objects.open().of(survivor).select_for_update(of=("self",))
    }
    moved, dropped = [], []
    for row in rows:
        other_id = row.other_side_id(absorbed)
        if other_id == survivor.pk or other_id in taken:
            dropped.append(row.pk)
            continue
        row.community_a_id, row.community_b_id = sorted([survivor.pk, other_id])
        if row.proposing_community_id == absorbed.pk:
            row.proposing_community_id = survivor.pk
        taken.add(other_id)
        moved.append(row)
    Twinning.objects.filter(pk__in=dropped).delete()
    Twinning.objects.bulk_update(moved, ["community_a", "community_b", "proposing_community"])
    return len(moved)


def on_community_merged(*, absorbed: Community, kept: Community) -> None:
    """A community merge: twinnings move to the kept community (declared in apps.py)."""
    twinnings_absorb(kept, absorbed)


# --- GDPR access (ACC-13) -----------------------------------------------------------------


def personal_data(user: User) -> dict[str, Any] | None:
    """The twinnings ``user`` proposed, decided or ended, in every commune.

    Declared as ``personal_data`` in apps.py: the section is there even
    where the module is off (its data is kept, so it is still the person's). Only the
    communities' names and the dates: nobody else's name.
    """
    twinnings = (
        Twinning.objects.filter(Q(proposed_by=user) | Q(decided_by=user) | Q(ended_by=user))
        .select_related("community_a__commune", "community_b__commune")
        .order_by("proposed_at", "pk")
    )
    entries = [
        {
            "communities": [
                {"name": c.name, "commune": c.commune.name} for c in (t.community_a, t.community_b)
            ],
            "status": t.status,
            "via_town_hall": t.via_town_hall,
            "proposed_by_you": t.proposed_by_id == user.pk,
            "proposed_at": t.proposed_at,
            "decided_by_you": t.decided_by_id == user.pk,
            "decided_at": t.decided_at,
            "ended_by_you": t.ended_by_id == user.pk,
            "ended_at": t.ended_at,
        }
        for t in twinnings
    ]
    if not entries:
        return None
    return {"twinnings": entries}
