"""Reads on the town hall's polls, and what a person sees of them (POL-1, POL-2).

* **Who sees a poll.** Its question, explanation and closing time are the town hall's
  public word: anyone on the commune's site reads them once the poll opened (a visitor is
  told how to take part). Its answers' results and the vote are for the commune's
  validated residents and its staff (:func:`sees_polls`). Staff who publish
  (:func:`modules.polls.permissions.can_manage_polls`) also see the polls not open yet,
  and those moderation hid; moderation's hiding takes a poll away from everyone else.
* **Who votes.** ``modules.polls.ballots.may_vote``: an open account, a validated
  resident, the poll open and not hidden; once (``has_voted``).
* **Results** (:func:`results_of`). From the tallied counts only (``Choice.votes``):
  ``LIVE`` polls show them to a person once they have voted and to everyone at closing,
  ``AT_CLOSING`` polls at closing. Before the first tally there is nothing to show but
  "Résultats après 10 votes ou à la clôture" (the number who took part only); a closed
  poll whose last ballots are not counted yet says "Dépouillement en cours". Staff who
  publish follow a ``LIVE`` poll's counts as a voter does (nothing a voter does not see);
  an ``AT_CLOSING`` poll stays closed to them until its closing too.
* **Percentages** are of the counted ballots, whole numbers by the largest remainder
  (Hamilton) method, so they add up to exactly 100 and a choice with no vote is 0 %;
  ties in the remainder go to the choice listed first.

``access_poll`` answers the same 404 for a missing poll, another commune's, one not open
yet and one moderation hid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.selectors import is_open_account
from communes.models import Commune, Follow
from communes.selectors import is_validated_resident, sees_resident_content
from core.ids import positive_id
from modules.polls import ballots
from modules.polls.models import Choice, Participation, Poll
from modules.polls.permissions import can_manage_polls

if TYPE_CHECKING:
    import datetime

    from accounts.models import User

# The order of the list: open polls first, then those not open yet (staff), then closed.
OPEN, UPCOMING, CLOSED = 0, 1, 2
STATUS_NAMES = {OPEN: "open", UPCOMING: "upcoming", CLOSED: "closed"}


# --- rules ---------------------------------------------------------------------------


def sees_polls(user: User, commune: Commune | None) -> bool:
    """Results and the vote: validated residents of the commune and its staff."""
    return commune is not None and sees_resident_content(user, commune)


def status_of(poll: Poll, now: datetime.datetime | None = None) -> str:
    """``"upcoming"``, ``"open"`` or ``"closed"``."""
    now = now or timezone.now()
    if poll.is_closed(now):
        return "closed"
    return "open" if poll.is_open(now) else "upcoming"


def may_vote_now(poll: Poll, *, resident: bool, voted: bool) -> bool:
    """``ballots.may_vote`` for a list, with the person's part asked once for every poll
    (``resident``: an open account and a validated resident of the poll's commune)."""
    return resident and not voted and poll.hidden_at is None and poll.is_open()


def votes_here(user: User, commune: Commune) -> bool:
    """The person's part of ``ballots.may_vote``: an open account, validated resident."""
    return is_open_account(user) and is_validated_resident(user, commune)


# --- polls ---------------------------------------------------------------------------


def _annotated(queryset: QuerySet[Poll], user: User) -> QuerySet[Poll]:
    viewer_id = getattr(user, "pk", None) or 0
    now = timezone.now()
    participants = (
        Participation.objects.filter(poll=OuterRef("pk"))
        .order_by()
        .values("poll")
        .annotate(total=Count("pk"))
        .values("total")
    )
    annotated: QuerySet[Poll] = queryset.annotate(
        has_voted=Exists(Participation.objects.filter(poll=OuterRef("pk"), user_id=viewer_id)),
        participants=Coalesce(Subquery(participants, output_field=IntegerField()), Value(0)),
        rank=Case(
            When(closes_at__lte=now, then=Value(CLOSED)),
            When(opens_at__gt=now, then=Value(UPCOMING)),
            default=Value(OPEN),
            output_field=IntegerField(),
        ),
    )
    return annotated


def polls_for(user: User, commune: Commune) -> QuerySet[Poll]:
    """The polls of ``commune`` ``user`` sees listed: opened ones not hidden by moderation;
    for its staff who publish, also those not open yet and the hidden ones. Open first
    (closing soonest first), then not open yet (opening soonest first), then closed (last
    closed first). Each is annotated with ``has_voted``, ``participants`` and ``rank``;
    one query whatever their number."""
    polls = Poll.objects.filter(commune=commune)
    if not can_manage_polls(user, commune):
        polls = polls.filter(opens_at__lte=timezone.now(), hidden_at__isnull=True)
    listed: QuerySet[Poll] = (
        _annotated(polls, user)
        .select_related("commune")
        .annotate(
            # Open and upcoming: the soonest first; closed: the latest first.
            sort_time=Case(
                When(rank=CLOSED, then=Value(None)),
                When(rank=UPCOMING, then="opens_at"),
                default="closes_at",
            ),
        )
        .order_by("rank", "sort_time", "-closes_at", "-id")
    )
    return listed


def access_poll(user: User, pk: int | str, *, commune: Commune | None) -> Poll:
    """A poll of ``commune`` that ``user`` may see (see :func:`polls_for`), annotated like
    the list's; Http404 alike for a missing one, another commune's, one not open yet and
    one hidden by moderation (except for the town hall's staff who publish)."""
    pk = positive_id(pk)
    if commune is None:
        raise Http404
    poll = polls_for(user, commune).filter(pk=pk).first()
    if poll is None:
        raise Http404
    return poll


def choices_of(poll: Poll) -> list[Choice]:
    return list(Choice.objects.filter(poll=poll).order_by("position", "id"))


def unanswered_open_polls(user: User, commune: Commune) -> list[Poll]:
    """The open polls of ``commune`` ``user`` may vote in and has not answered, closing
    soonest first: what the home page and the app's feed pin. One query (the validated
    follow is part of it), none for a visitor or a closed account."""
    if not is_open_account(user) or commune is None:
        return []
    now = timezone.now()
    resident = Follow.objects.validated().filter(user=user, commune=OuterRef("commune"))
    voted = Participation.objects.filter(poll=OuterRef("pk"), user=user)
    return list(
        Poll.objects.filter(
            Exists(resident),
            ~Exists(voted),
            commune=commune,
            opens_at__lte=now,
            closes_at__gt=now,
            hidden_at__isnull=True,
        ).order_by("closes_at", "id")
    )


def polls_taken_part_in(user: User) -> QuerySet[Poll]:
    """The polls ``user`` voted in, in every commune (the register, never the choice)."""
    polls: QuerySet[Poll] = (
        Poll.objects.filter(participations__user=user)
        .select_related("commune")
        .order_by("opens_at", "id")
    )
    return polls


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    choice: Choice
    count: int
    percent: int

    @property
    def bar_step(self) -> int:
        """The percentage to the nearest 5, for the bar's width class (text carries it)."""
        return int(5 * round(self.percent / 5))


@dataclass(frozen=True)
class PollResults:
    """What a person sees of a poll's results.

    ``visible``: the counts are shown (``rows``); otherwise ``reason`` says why, and
    ``code`` is the same for the API (``"after_vote"``, ``"at_closing"``,
    ``"first_tally"``, ``"counting"``, ``"not_open"``, ``"residents"``).
    ``participants`` is the number who took part (the register), ``total_counted`` the
    ballots already counted, ``pending`` whether some are not counted yet.
    """

    visible: bool
    reason: str
    code: str
    total_counted: int
    participants: int
    pending: bool
    rows: list[ResultRow] = field(default_factory=list)


def percentages(counts: list[int]) -> list[int]:
    """Whole percentages of ``counts`` adding up to 100 (largest remainder; ties to the
    first), or every 0 when nothing is counted."""
    total = sum(counts)
    if total <= 0:
        return [0 for _count in counts]
    floors = [count * 100 // total for count in counts]
    remainders = [count * 100 % total for count in counts]
    missing = 100 - sum(floors)
    order = sorted(range(len(counts)), key=lambda index: (-remainders[index], index))
    for index in order[:missing]:
        floors[index] += 1
    return floors


def first_tally_sentence() -> str:
    batch = settings.POLL_TALLY_BATCH
    return ngettext(
        "Results after %(count)s vote or at closing",
        "Results after %(count)s votes or at closing",
        batch,
    ) % {"count": batch}


def results_of(poll: Poll, user: User, *, voted: bool | None = None) -> PollResults:
    """What ``user`` sees of ``poll``'s results (see the module docstring). ``voted``:
    whether they took part, when the caller already knows."""
    now = timezone.now()
    participants = getattr(poll, "participants", None)
    if participants is None:
        participants = Participation.objects.filter(poll=poll).count()

    def hidden(code: str, reason: str, *, pending: bool = False) -> PollResults:
        return PollResults(
            visible=False,
            reason=reason,
            code=code,
            total_counted=0,
            participants=participants,
            pending=pending,
        )

    if not sees_polls(user, poll.commune):
        return hidden("residents", _("Results are shown to the residents of the commune."))
    if not poll.is_closed(now) and not poll.is_open(now):
        return hidden("not_open", _("The poll is not open yet."))
    closed = poll.is_closed(now)
    if not closed:
        if poll.results == Poll.Results.AT_CLOSING:
            return hidden("at_closing", _("Results are shown when the poll closes."))
        if voted is None:
            voted = getattr(poll, "has_voted", None)
        if voted is None:
            voted = ballots.has_voted(user, poll)
        # The town hall's staff follow a LIVE poll as a voter does (what every voter
        # already sees); an AT_CLOSING poll stays closed to them too.
        if not voted and not can_manage_polls(user, poll.commune):
            return hidden("after_vote", _("Results are shown once you have answered."))
    pending = ballots.pending_count(poll) > 0
    if closed and pending:
        return hidden("counting", _("Counting in progress"), pending=True)
    choices = choices_of(poll)
    counts = [choice.votes for choice in choices]
    total = sum(counts)
    if total == 0 and not closed:
        return hidden("first_tally", first_tally_sentence(), pending=pending)
    rows = [
        ResultRow(choice=choice, count=count, percent=percent)
        for choice, count, percent in zip(choices, counts, percentages(counts), strict=True)
    ]
    return PollResults(
        visible=True,
        reason="",
        code="",
        total_counted=total,
        participants=participants,
        pending=pending,
        rows=rows,
    )


def voted_flag(poll: Poll, user: User) -> bool:
    """``has_voted`` from the annotation when there is one."""
    voted = getattr(poll, "has_voted", None)
    return bool(voted) if voted is not None else ballots.has_voted(user, poll)
