"""The polls' periodic tasks (``modules.polls.tasks``): the opening is announced once, to
communes with the module on; ballots are counted when due, a closed poll's last ones
included, and its results announced once to who took part — as the scheduler calls the
tasks, and through a real ``qcluster``."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from communes.services import module_set_enabled
from modules.polls import ballots, tasks
from modules.polls.models import Choice, PendingBallot, Poll
from notifications.models import Event, Notification
from tests.factories import UserFactory
from tests.follows import pending, root, validated
from tests.modules.polls.test_ballots import choice, make_poll, voters, votes_of


def events(kind: str) -> list[Event]:
    return list(Event.objects.filter(kind=kind).order_by("pk"))


def recipients(event: Event) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


def switch_off(commune) -> None:
    module_set_enabled(by=root(), commune=commune, module="polls", enabled=False)


def cast(poll: Poll, people, positions) -> None:
    for person, position in zip(people, positions, strict=True):
        ballots.vote(poll=poll, user=person, choice_id=choice(poll, position).pk)


def close(poll: Poll) -> None:
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now())
    poll.refresh_from_db()


# --- notify_opened -----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_open_poll_is_announced_once_to_the_validated_residents(commune, resident, neighbour):
    applicant = UserFactory()
    pending(applicant, commune)
    poll = make_poll(commune)
    assert tasks.notify_opened() == 1
    [event] = events("polls.opened")
    assert event.title == "La mairie vous demande votre avis : « Quel projet pour le quartier ? »"
    assert event.url == f"/sondages/{poll.pk}/"
    assert recipients(event) == {resident.pk, neighbour.pk}
    poll.refresh_from_db()
    assert poll.opening_notified_at is not None
    # Every five minutes after: nothing more.
    assert tasks.notify_opened() == 0
    assert tasks.notify_opened(now=timezone.now() + timedelta(minutes=5)) == 0
    assert len(events("polls.opened")) == 1


@pytest.mark.django_db
def test_a_poll_is_announced_when_it_opens_not_before_nor_after_it_closed(commune, resident):
    later = make_poll(commune, opens_in=timedelta(hours=1))
    make_poll(commune, opens_in=timedelta(days=-3), closes_in=timedelta(minutes=-1))
    assert tasks.notify_opened() == 0
    assert tasks.notify_opened(now=timezone.now() + timedelta(hours=1, minutes=1)) == 1
    [event] = events("polls.opened")
    assert event.data["poll_id"] == later.pk


@pytest.mark.django_db
def test_no_announcement_for_a_commune_that_switched_polls_off(commune, other_commune, resident):
    switch_off(commune)
    make_poll(commune)
    elsewhere = make_poll(other_commune)
    validated(UserFactory(), other_commune)
    assert tasks.notify_opened() == 1
    [event] = events("polls.opened")
    assert event.data["poll_id"] == elsewhere.pk


@pytest.mark.django_db
def test_a_poll_hidden_by_moderation_is_not_announced(commune, resident):
    make_poll(commune, hidden_at=timezone.now())
    assert tasks.notify_opened() == 0
    assert events("polls.opened") == []


# --- tally_due ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_at_closing_the_last_ballots_are_counted_and_the_results_announced_once(commune):
    """Three ballots, fewer than a batch: counted at closing; who took part is told once."""
    poll = make_poll(commune)
    people = voters(commune, 3)
    bystander = validated(UserFactory(), commune)
    cast(poll, people, [0, 2, 2])
    assert tasks.tally_due() == 0  # open, not a batch yet
    assert votes_of(poll) == [0, 0, 0]
    assert events("polls.results") == []

    close(poll)
    assert tasks.tally_due() == 3
    assert (ballots.pending_count(poll), votes_of(poll)) == (0, [1, 0, 2])
    [event] = events("polls.results")
    assert event.title == "Les résultats du sondage « Quel projet pour le quartier ? » sont publiés"
    assert recipients(event) == {person.pk for person in people}
    assert bystander.pk not in recipients(event)
    assert event.data == {"poll_id": poll.pk, "question": poll.question}
    poll.refresh_from_db()
    assert poll.results_notified_at is not None

    assert tasks.tally_due(now=timezone.now() + timedelta(minutes=1)) == 0
    assert len(events("polls.results")) == 1


@pytest.mark.django_db
def test_an_open_poll_is_counted_once_a_batch_waits(commune, monkeypatch):
    monkeypatch.setattr(ballots, "_queue_tally", lambda poll_id: None)  # the minute's task
    poll = make_poll(commune)
    cast(poll, voters(commune, 10), [1] * 10)
    assert ballots.pending_count(poll) == 10
    assert tasks.tally_due() == 10
    assert votes_of(poll) == [0, 10, 0]
    assert events("polls.results") == []  # still open


@pytest.mark.django_db
def test_results_wait_for_a_ballot_that_does_not_open(commune, settings):
    """A closed poll with a ballot no key opens: the others are counted, the results are
    not announced (the page says "counting") until the operator restores the key or
    discards the ballot."""
    poll = make_poll(commune)
    people = voters(commune, 3)
    cast(poll, people[:2], [0, 1])
    PendingBallot.objects.create(poll=poll, sealed=ballots.seal(poll_id=poll.pk + 1, choice_id=1))
    close(poll)
    assert tasks.tally_due() == 2
    assert ballots.pending_count(poll) == 1
    assert events("polls.results") == []
    assert ballots.discard_unreadable(poll.pk) == 1
    assert tasks.tally_due() == 0
    assert len(events("polls.results")) == 1


@pytest.mark.django_db
def test_ballots_are_counted_also_where_the_module_is_off_but_nobody_is_told(commune):
    poll = make_poll(commune)
    cast(poll, voters(commune, 2), [0, 0])
    switch_off(commune)
    close(poll)
    assert tasks.tally_due() == 2
    assert votes_of(poll) == [2, 0, 0]
    assert events("polls.results") == []
    poll.refresh_from_db()
    assert poll.results_notified_at is None


@pytest.mark.django_db
def test_a_closed_poll_nobody_answered_is_marked_without_a_notification(commune, resident):
    poll = make_poll(commune)
    close(poll)
    assert tasks.tally_due() == 0
    poll.refresh_from_db()
    assert poll.results_notified_at is not None
    assert events("polls.results") == []


@pytest.mark.django_db
def test_tally_poll_counts_the_poll_it_is_given(commune, monkeypatch):
    monkeypatch.setattr(ballots, "_queue_tally", lambda poll_id: None)
    poll = make_poll(commune)
    cast(poll, voters(commune, 10), [2] * 10)
    assert tasks.tally_poll(poll.pk) == 10
    assert tasks.tally_poll(poll.pk) == 0
    assert tasks.tally_poll(poll.pk + 1000) == 0  # gone meanwhile
    assert votes_of(poll) == [0, 0, 10]


# --- through a real worker -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_qcluster_counts_at_closing_and_counts_a_queued_batch(
    commune, tmp_path, monkeypatch
):
    """The schedules as ``core.schedules`` writes them, run by ``manage.py qcluster`` (ORM
    broker, one worker) against the test database: the scheduler's ``tally_due`` counts a
    closed poll's three ballots and announces its results; then ten votes on another poll
    queue ``tally_poll``, which the worker runs."""
    from django_q.conf import Conf
    from django_q.models import Schedule, Success

    from core.schedules import sync_schedules
    from tests import qcluster

    closed = make_poll(commune)
    people = voters(commune, 10)
    cast(closed, people[:3], [0, 2, 2])
    close(closed)
    open_poll = make_poll(commune, labels=("Oui", "Non"))

    monkeypatch.setattr(Conf, "SYNC", False)
    Schedule.objects.all().delete()
    sync_schedules()
    Schedule.objects.exclude(name="polls: tally").delete()
    Schedule.objects.filter(name="polls: tally").update(next_run=timezone.now())
    assert Schedule.objects.get().func == "modules.polls.tasks.tally_due"

    worker = qcluster.start(tmp_path, guard_cycle=30)
    try:

        def wait_for(what, done):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if done():
                    return
                if worker.poll() is not None:
                    pytest.fail(
                        f"the worker stopped ({worker.returncode}):\n{qcluster.log(worker)}"
                    )
                time.sleep(0.5)
            pytest.fail(f"no {what} within 60 s; worker log:\n{qcluster.log(worker)}")

        def announced():
            closed.refresh_from_db()
            return closed.results_notified_at is not None

        wait_for("closing tally", announced)
        assert votes_of(closed) == [1, 0, 2]
        assert ballots.pending_count(closed) == 0
        [event] = events("polls.results")
        assert recipients(event) == {person.pk for person in people[:3]}

        # Ten votes: the tenth queues a tally on the broker, which the worker runs.
        cast(open_poll, people, [0, 1, 1, 0, 1, 1, 1, 0, 1, 1])
        wait_for(
            "queued tally",
            lambda: Success.objects.filter(func="modules.polls.tasks.tally_poll").exists(),
        )
        [queued] = Success.objects.filter(func="modules.polls.tasks.tally_poll")
        assert (queued.args, queued.result) == ((open_poll.pk,), 10)
        assert list(
            Choice.objects.filter(poll=open_poll)
            .order_by("position")
            .values_list("votes", flat=True)
        ) == [3, 7]
        assert ballots.pending_count(open_poll) == 0
        due = Success.objects.filter(func="modules.polls.tasks.tally_due")
        assert 3 in [task.result for task in due]
        assert "Traceback" not in qcluster.log(worker)
    finally:
        qcluster.stop(worker)
