"""Tasks of the polls (django-q2); the schedules are declared in apps.py.

* :func:`tally_due` (every minute): counts what a tally should have counted — every
  pending ballot of a closed poll (``closing``), the pending ballots of an open poll once
  a batch waits — then tells who took part that the results of a closed poll are out,
  once (``results_notified_at``), when none of its ballots is left to count.
* :func:`tally_poll` (queued by ``ballots.vote`` once a batch waits): one poll's tally.
* :func:`notify_opened` (every 5 minutes): the validated residents are told once that a
  poll opened (``opening_notified_at``).

Counting is not showing: tallies run for every commune, also those that switched the
module off, because a counted ballot is less linkable than a pending one (see
``ballots``); notifications go only to the communes with the module on
(``registry.enabled_communes``). Each returns a plain number (django-q2 keeps it with
the task): how many ballots were counted, how many polls announced.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from core.modules import registry
from modules.polls import ballots
from modules.polls.models import Participation, PendingBallot, Poll


def tally_poll(poll_id: int) -> int:
    """The tally ``ballots.vote`` queues: counts the poll's ballots if a batch waits (or it
    closed meanwhile); returns how many were counted."""
    return ballots.tally(int(poll_id))


def tally_due(now=None) -> int:
    """Count the ballots due, then announce the results of the polls closed and fully
    counted; returns how many ballots were counted."""
    now = now or timezone.now()
    waiting = dict(
        PendingBallot.objects.order_by()
        .values_list("poll_id")
        .annotate(count=Count("pk"))
        .values_list("poll_id", "count")
    )
    counted = 0
    batch = ballots.batch_size()
    for poll_id, closes_at in Poll.objects.filter(pk__in=waiting).values_list("pk", "closes_at"):
        if closes_at <= now:
            counted += ballots.tally(poll_id, closing=True)
        elif waiting[poll_id] >= batch:
            counted += ballots.tally(poll_id)
    announce_results(now=now)
    return counted


def announce_results(now=None) -> int:
    """Tell who took part in each closed poll of an enabled commune that its results are
    out, once, when no ballot of it waits any more; returns how many polls."""
    from modules.polls import notify

    now = now or timezone.now()
    still_pending = PendingBallot.objects.values("poll_id")
    due = (
        Poll.objects.filter(
            commune__in=registry.enabled_communes("polls"),
            closes_at__lte=now,
            results_notified_at__isnull=True,
        )
        .exclude(pk__in=still_pending)
        .select_related("commune")
        .order_by("closes_at", "pk")
    )
    announced = 0
    for poll in due:
        with transaction.atomic():
            claimed = Poll.objects.filter(pk=poll.pk, results_notified_at__isnull=True).update(
                results_notified_at=now
            )
            if not claimed:
                continue  # another run took it
            # Hidden by moderation, or nobody took part: the step is done, nobody is told.
            if poll.hidden_at is None and Participation.objects.filter(poll=poll).exists():
                notify.results_out(poll)
                announced += 1
    return announced


def notify_opened(now=None) -> int:
    """Tell the validated residents of the communes with the module on that a poll opened,
    once per poll; returns how many polls were announced."""
    from modules.polls import notify

    now = now or timezone.now()
    due = (
        Poll.objects.filter(
            commune__in=registry.enabled_communes("polls"),
            opens_at__lte=now,
            closes_at__gt=now,
            opening_notified_at__isnull=True,
            hidden_at__isnull=True,
        )
        .select_related("commune")
        .order_by("opens_at", "pk")
    )
    announced = 0
    for poll in due:
        # The mark and the notification commit together: a failure leaves the poll to
        # the next run; a run racing this one finds it marked (or the event's dedupe key).
        with transaction.atomic():
            claimed = Poll.objects.filter(pk=poll.pk, opening_notified_at__isnull=True).update(
                opening_notified_at=now
            )
            if claimed:
                notify.poll_opened(poll)
                announced += 1
    return announced
