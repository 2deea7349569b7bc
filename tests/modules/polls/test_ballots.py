"""The anonymous ballot box (POL-2): sealing, who may vote, one vote per account, and
tallies in batches of at least 10 (``modules.polls.ballots``)."""

from __future__ import annotations

import base64
import logging
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from accounts.models import User
from modules.polls import ballots
from modules.polls.ballots import VoteRefused
from modules.polls.models import Choice, Participation, PendingBallot, Poll
from tests.factories import UserFactory
from tests.follows import pending, validated

OLD_KEY = base64.b64encode(b"o" * 32).decode()
NEW_KEY = base64.b64encode(b"n" * 32).decode()


def make_poll(
    commune,
    labels=("Rénover le lavoir", "Planter des arbres", "Sans avis"),
    *,
    opens_in: timedelta = timedelta(hours=-1),
    closes_in: timedelta = timedelta(days=7),
    **fields,
) -> Poll:
    """A poll of ``commune`` open now (by default), written directly: the ballot box's
    rules do not depend on how staff published it."""
    now = timezone.now()
    poll = Poll.objects.create(
        commune=commune,
        question="Quel projet pour le quartier ?",
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        **fields,
    )
    for position, label in enumerate(labels):
        Choice.objects.create(poll=poll, label=label, position=position)
    return poll


def choice(poll: Poll, position: int = 0) -> Choice:
    return poll.choices.get(position=position)


def voters(commune, count: int) -> list[User]:
    return [validated(UserFactory(), commune) for _ in range(count)]


@contextmanager
def logged(name: str):
    """The records of logger ``name`` (the tests run with ``-p no:logging``)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def votes_of(poll: Poll) -> list[int]:
    return list(
        Choice.objects.filter(poll=poll).order_by("position").values_list("votes", flat=True)
    )


# --- sealing ---------------------------------------------------------------------------


def test_a_sealed_ballot_opens_to_its_choice_in_its_poll():
    sealed = ballots.seal(poll_id=41, choice_id=7)
    assert ballots.open_ballot(sealed, poll_id=41) == 7
    assert ballots.open_ballot(memoryview(sealed), poll_id=41) == 7  # as the database gives it


def test_a_ballot_moved_to_another_poll_does_not_open():
    sealed = ballots.seal(poll_id=41, choice_id=7)
    with pytest.raises(ballots.BallotUnreadable):
        ballots.open_ballot(sealed, poll_id=42)


def test_an_altered_ballot_does_not_open():
    sealed = bytearray(ballots.seal(poll_id=41, choice_id=7))
    for index in (0, 5, len(sealed) - 1):
        altered = bytearray(sealed)
        altered[index] ^= 0x01
        with pytest.raises(ballots.BallotUnreadable):
            ballots.open_ballot(bytes(altered), poll_id=41)
    with pytest.raises(ballots.BallotUnreadable):
        ballots.open_ballot(bytes(sealed[:-1]), poll_id=41)


def test_ballots_have_the_same_length_whatever_the_choice_and_never_repeat():
    sealed = [ballots.seal(poll_id=3, choice_id=c) for c in (7, 12, 7, 123_456_789)]
    assert {len(s) for s in sealed} == {ballots.SEALED_LENGTH} == {37}
    # A random nonce each time: two ballots for the same choice look unrelated.
    assert sealed[0] != sealed[2]
    assert sealed[0][1:13] != sealed[2][1:13]


def test_a_ballot_carries_no_time(monkeypatch):
    """Not Fernet (whose token starts with its creation time): the same nonce a year apart
    gives the same bytes, so nothing in a ballot depends on when it was cast."""
    monkeypatch.setattr(ballots.os, "urandom", lambda n: b"\x01" * n)
    with time_machine.travel("2026-03-01 08:00:00+00:00", tick=False):
        spring = ballots.seal(poll_id=3, choice_id=7)
    with time_machine.travel("2027-03-01 19:30:00+00:00", tick=False):
        later = ballots.seal(poll_id=3, choice_id=7)
    assert spring == later
    assert spring[0] != 0x80  # a Fernet token's version byte


def test_rotation_seals_with_the_newest_key_and_still_opens_the_old_ones(settings):
    settings.POLL_BALLOT_KEYS = [OLD_KEY]
    old = ballots.seal(poll_id=5, choice_id=2)
    settings.POLL_BALLOT_KEYS = [NEW_KEY, OLD_KEY]
    new = ballots.seal(poll_id=5, choice_id=3)
    assert old[0] == ballots.key_id(b"o" * 32)
    assert new[0] == ballots.key_id(b"n" * 32) != old[0]
    assert ballots.open_ballot(old, poll_id=5) == 2
    assert ballots.open_ballot(new, poll_id=5) == 3
    # The old key removed: what it sealed no longer opens; the new ballot still does.
    settings.POLL_BALLOT_KEYS = [NEW_KEY]
    with pytest.raises(ballots.BallotUnreadable):
        ballots.open_ballot(old, poll_id=5)
    assert ballots.open_ballot(new, poll_id=5) == 3


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "POLL_BALLOT_KEYS must list at least one"),
        (["not base64 at all!"], "key #1 is not base64"),
        ([base64.b64encode(b"short").decode()], "key #1 is 5 bytes once decoded"),
        ([NEW_KEY, NEW_KEY], "lists key #2 twice"),
    ],
)
def test_a_missing_or_invalid_key_setting_fails_loudly(settings, keys, message):
    settings.POLL_BALLOT_KEYS = keys
    with pytest.raises(ImproperlyConfigured, match=message):
        ballots.seal(poll_id=1, choice_id=1)


def test_keys_from_the_environment_may_be_one_comma_separated_string(settings):
    settings.POLL_BALLOT_KEYS = f"{NEW_KEY},{OLD_KEY}"
    assert ballots.seal(poll_id=1, choice_id=1)[0] == ballots.key_id(b"n" * 32)


def test_a_batch_smaller_than_10_is_refused(settings):
    settings.POLL_TALLY_BATCH = 9
    with pytest.raises(ImproperlyConfigured, match="at least 10"):
        ballots.batch_size()


# --- who votes -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_validated_resident_votes_once_and_only_the_register_and_a_ballot_are_written(
    commune, resident
):
    poll = make_poll(commune)
    assert ballots.may_vote(resident, poll)
    assert not ballots.has_voted(resident, poll)
    ballots.vote(poll=poll, user=resident, choice_id=choice(poll, 1).pk)

    [register] = Participation.objects.filter(poll=poll)
    assert (register.poll_id, register.user_id) == (poll.pk, resident.pk)
    [ballot] = PendingBallot.objects.filter(poll=poll)
    assert ballots.open_ballot(ballot.sealed, poll_id=poll.pk) == choice(poll, 1).pk
    assert ballots.has_voted(resident, poll)
    assert ballots.pending_count(poll) == 1
    assert votes_of(poll) == [0, 0, 0]

    with pytest.raises(VoteRefused) as refused:
        ballots.vote(poll=poll, user=resident, choice_id=choice(poll, 0).pk)
    assert refused.value.code == "already_voted"
    assert str(refused.value) == "Vous avez déjà répondu à ce sondage."
    assert Participation.objects.filter(poll=poll).count() == 1
    assert PendingBallot.objects.filter(poll=poll).count() == 1


def _refusal(poll, user, choice_id=None) -> str:
    before = (Participation.objects.count(), PendingBallot.objects.count())
    with pytest.raises(VoteRefused) as refused:
        ballots.vote(
            poll=poll, user=user, choice_id=choice(poll).pk if choice_id is None else choice_id
        )
    assert (Participation.objects.count(), PendingBallot.objects.count()) == before
    return refused.value.code


@pytest.mark.django_db
def test_a_pending_resident_may_not_vote(commune):
    applicant = UserFactory()
    pending(applicant, commune)
    poll = make_poll(commune)
    assert not ballots.may_vote(applicant, poll)
    assert _refusal(poll, applicant) == "not_allowed"


@pytest.mark.django_db
def test_a_resident_of_another_commune_may_not_vote(commune, other_commune):
    stranger = validated(UserFactory(), other_commune)
    poll = make_poll(commune)
    assert not ballots.may_vote(stranger, poll)
    assert _refusal(poll, stranger) == "not_allowed"


@pytest.mark.django_db
def test_staff_who_are_not_residents_and_visitors_may_not_vote(commune, staff):
    poll = make_poll(commune)
    assert not ballots.may_vote(staff, poll)
    assert _refusal(poll, staff) == "not_allowed"
    assert not ballots.may_vote(AnonymousUser(), poll)
    assert _refusal(poll, AnonymousUser()) == "not_allowed"
    assert not ballots.has_voted(AnonymousUser(), poll)


@pytest.mark.django_db
def test_a_closed_account_may_not_vote(commune, resident):
    poll = make_poll(commune)
    User.objects.filter(pk=resident.pk).update(closed_at=timezone.now())
    resident.refresh_from_db()
    assert not ballots.may_vote(resident, poll)
    assert _refusal(poll, resident) == "not_allowed"


@pytest.mark.django_db
def test_a_closed_poll_takes_no_vote(commune, resident):
    poll = make_poll(commune, opens_in=timedelta(days=-3), closes_in=timedelta(seconds=-1))
    assert not ballots.may_vote(resident, poll)
    assert _refusal(poll, resident) == "closed"


@pytest.mark.django_db
def test_a_poll_closed_early_takes_no_vote_even_from_an_old_copy(commune, resident):
    poll = make_poll(commune)
    stale = Poll.objects.get(pk=poll.pk)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now(), closed_early_at=timezone.now())
    assert _refusal(stale, resident) == "closed"


@pytest.mark.django_db
def test_a_poll_not_open_yet_takes_no_vote(commune, resident):
    poll = make_poll(commune, opens_in=timedelta(hours=2))
    assert not ballots.may_vote(resident, poll)
    assert _refusal(poll, resident) == "not_open_yet"


@pytest.mark.django_db
def test_an_answer_of_another_poll_or_no_answer_is_unknown(commune, resident):
    poll = make_poll(commune)
    other = make_poll(commune, labels=("Oui", "Non"))
    assert _refusal(poll, resident, choice(other).pk) == "unknown_choice"
    assert _refusal(poll, resident, 0) == "unknown_choice"
    assert _refusal(poll, resident, "abc") == "unknown_choice"


@pytest.mark.django_db
def test_a_poll_hidden_by_moderation_takes_no_vote(commune, resident):
    poll = make_poll(commune, hidden_at=timezone.now())
    assert not ballots.may_vote(resident, poll)
    assert _refusal(poll, resident) == "not_allowed"


@pytest.mark.django_db
def test_refusals_speak_french(commune, resident):
    poll = make_poll(commune, opens_in=timedelta(hours=2))
    with pytest.raises(VoteRefused) as refused:
        ballots.vote(poll=poll, user=resident, choice_id=choice(poll).pk)
    assert refused.value.message == "Ce sondage n’est pas encore ouvert."


# --- tallies ---------------------------------------------------------------------------


def _vote_all(poll, people, positions, django_capture_on_commit_callbacks):
    for person, position in zip(people, positions, strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            ballots.vote(poll=poll, user=person, choice_id=choice(poll, position).pk)


@pytest.mark.django_db
def test_nothing_is_counted_before_a_batch_then_the_tenth_vote_counts_them(
    commune, django_capture_on_commit_callbacks
):
    """Before the first tally no count moves; the tenth ballot queues a tally (run at once
    by the test settings' synchronous django-q2), which counts all ten."""
    poll = make_poll(commune)
    people = voters(commune, 13)
    _vote_all(poll, people[:3], [0, 1, 0], django_capture_on_commit_callbacks)
    assert ballots.pending_count(poll) == 3
    assert votes_of(poll) == [0, 0, 0]
    assert ballots.tally(poll.pk) == 0  # fewer than a batch: nothing moves
    assert votes_of(poll) == [0, 0, 0]

    _vote_all(poll, people[3:10], [0, 2, 1, 0, 0, 1, 2], django_capture_on_commit_callbacks)
    assert ballots.pending_count(poll) == 0
    assert votes_of(poll) == [5, 3, 2]
    assert Participation.objects.filter(poll=poll).count() == 10

    # Three more wait for the next batch, or for the closing.
    _vote_all(poll, people[10:], [2, 2, 1], django_capture_on_commit_callbacks)
    assert ballots.pending_count(poll) == 3
    assert votes_of(poll) == [5, 3, 2]
    assert ballots.tally(poll.pk, closing=True) == 3
    assert (ballots.pending_count(poll), votes_of(poll)) == (0, [5, 4, 4])


@pytest.mark.django_db
def test_the_tenth_vote_queues_one_tally_of_the_poll_once_committed(
    commune, monkeypatch, django_capture_on_commit_callbacks
):
    import django_q.tasks

    queued = []
    monkeypatch.setattr(
        django_q.tasks, "async_task", lambda func, *args, **kwargs: queued.append((func, args))
    )
    poll = make_poll(commune)
    people = voters(commune, 11)
    for number, person in enumerate(people, start=1):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ballots.vote(poll=poll, user=person, choice_id=choice(poll).pk)
        assert queued == []  # nothing before the commit
        for callback in callbacks:
            callback()
        expected = [] if number < 10 else [("modules.polls.tasks.tally_poll", (poll.pk,))]
        assert queued[: len(expected)] == expected
        queued.clear()


@pytest.mark.django_db
def test_a_closed_poll_counts_fewer_than_a_batch(commune):
    poll = make_poll(commune)
    for person, position in zip(voters(commune, 3), [0, 2, 2], strict=True):
        ballots.vote(poll=poll, user=person, choice_id=choice(poll, position).pk)
    assert ballots.tally(poll.pk) == 0
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now())
    # Closed: even without ``closing`` the tally takes everything.
    assert ballots.tally(poll.pk) == 3
    assert (ballots.pending_count(poll), votes_of(poll)) == (0, [1, 0, 2])
    assert ballots.tally(poll.pk, closing=True) == 0


@pytest.mark.django_db
def test_a_tally_rewrites_the_register_with_the_same_people_under_new_keys(commune):
    poll = make_poll(commune)
    people = voters(commune, 10)
    for person in people:
        ballots.vote(poll=poll, user=person, choice_id=choice(poll).pk)
    before = dict(Participation.objects.filter(poll=poll).values_list("user_id", "pk"))
    assert ballots.tally(poll.pk) == 10
    after = dict(Participation.objects.filter(poll=poll).values_list("user_id", "pk"))
    assert set(after) == set(before) == {person.pk for person in people}
    assert not set(after.values()) & set(before.values())
    assert set(Participation.objects.filter(poll=poll).values_list("counted", flat=True)) == {True}
    # Still one vote each.
    with pytest.raises(VoteRefused) as refused:
        ballots.vote(poll=poll, user=people[0], choice_id=choice(poll).pk)
    assert refused.value.code == "already_voted"


def _register_rows(poll: Poll) -> dict[int, tuple[str, str, bool]]:
    """Each voter's register row: (key, transaction id ``xmin``, counted)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id, id::text, xmin::text, counted FROM polls_participation "
            "WHERE poll_id = %s",
            [poll.pk],
        )
        return {user_id: (key, xmin, counted) for user_id, key, xmin, counted in cursor}


@pytest.mark.django_db
def test_a_second_tally_rewrites_only_the_rows_written_since_the_first(commune):
    """A tally costs its batch, not the participation: the first batch's rows keep their
    keys and their tally's transaction; the second batch's are rewritten by the second
    tally alone; a vote's row is ``counted`` false until then. The closing tally rewrites
    the whole register."""
    poll = make_poll(commune)
    people = voters(commune, 23)
    for person in people[:10]:
        ballots.vote(poll=poll, user=person, choice_id=choice(poll).pk)
    assert {counted for _, _, counted in _register_rows(poll).values()} == {False}
    assert ballots.tally(poll.pk) == 10
    first = _register_rows(poll)
    assert {counted for _, _, counted in first.values()} == {True}
    assert len({xmin for _, xmin, _ in first.values()}) == 1

    for person in people[10:20]:
        ballots.vote(poll=poll, user=person, choice_id=choice(poll, 1).pk)
    voted = _register_rows(poll)
    assert {pk: row for pk, row in voted.items() if pk in first} == first
    assert {voted[person.pk][2] for person in people[10:20]} == {False}
    assert len({voted[person.pk][1] for person in people[10:20]}) == 10  # one per vote

    assert ballots.tally(poll.pk) == 10
    second = _register_rows(poll)
    assert set(second) == {person.pk for person in people[:20]}
    assert {pk: row for pk, row in second.items() if pk in first} == first  # untouched
    new = {second[person.pk] for person in people[10:20]}
    assert {counted for _, _, counted in new} == {True}
    assert not {key for key, _, _ in new} & {voted[person.pk][0] for person in people[10:20]}
    [second_xmin] = {xmin for _, xmin, _ in new}
    assert second_xmin not in {xmin for _, xmin, _ in first.values()}
    assert votes_of(poll) == [10, 10, 0]

    # Three more, then the closing: the whole register again, in one transaction.
    for person in people[20:]:
        ballots.vote(poll=poll, user=person, choice_id=choice(poll, 2).pk)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now())
    before_closing = _register_rows(poll)
    assert ballots.tally(poll.pk) == 3
    closed = _register_rows(poll)
    assert set(closed) == {person.pk for person in people}
    assert not {key for key, _, _ in closed.values()} & {
        key for key, _, _ in before_closing.values()
    }
    assert len({xmin for _, xmin, _ in closed.values()}) == 1
    assert {counted for _, _, counted in closed.values()} == {True}
    assert votes_of(poll) == [10, 10, 3]


@pytest.mark.django_db
def test_a_tally_too_small_to_count_rewrites_nothing(commune):
    poll = make_poll(commune)
    for person in voters(commune, 9):
        ballots.vote(poll=poll, user=person, choice_id=choice(poll).pk)
    before = _register_rows(poll)
    assert ballots.tally(poll.pk) == 0
    assert _register_rows(poll) == before


@pytest.mark.django_db
def test_a_ballot_that_does_not_open_is_left_aside_and_the_others_are_counted(commune, settings):
    """Sealed with a key no longer listed: the other ballots are counted, this one stays
    pending (a vote is not destroyed by a key removed too early), and the log says how
    many, never what."""
    poll = make_poll(commune)
    people = voters(commune, 11)
    settings.POLL_BALLOT_KEYS = [OLD_KEY]
    ballots.vote(poll=poll, user=people[0], choice_id=choice(poll, 2).pk)
    settings.POLL_BALLOT_KEYS = [NEW_KEY]
    for person in people[1:]:
        ballots.vote(poll=poll, user=person, choice_id=choice(poll, 1).pk)
    # An altered one too.
    PendingBallot.objects.create(poll=poll, sealed=b"\x00" * ballots.SEALED_LENGTH)

    with logged("modules.polls.ballots") as records:
        assert ballots.tally(poll.pk) == 10
    assert votes_of(poll) == [0, 10, 0]
    assert ballots.pending_count(poll) == 2
    # The register row of the vote left aside is rewritten with the others: it does not
    # keep the transaction it shares with its pending ballot.
    assert set(Participation.objects.filter(poll=poll).values_list("counted", flat=True)) == {True}
    [record] = records
    assert record.levelno == logging.ERROR
    assert record.getMessage() == (
        f"Poll {poll.pk}: 2 pending ballot(s) did not open with POLL_BALLOT_KEYS and stay "
        "uncounted (docs/deploy.md, 'Poll ballot keys')."
    )
    assert ballots.pending_by_key() == {"unknown": 2}

    # The old key back (second): the next tally counts it.
    settings.POLL_BALLOT_KEYS = [NEW_KEY, OLD_KEY]
    assert ballots.pending_by_key() == {"2": 1, "unknown": 1}
    assert ballots.tally(poll.pk, closing=True) == 1
    assert votes_of(poll) == [0, 10, 1]
    # What no key opens is dropped by an operator's decision only.
    assert ballots.discard_unreadable(poll.pk) == 1
    assert ballots.pending_count(poll) == 0


@pytest.mark.django_db
def test_an_open_poll_waits_for_a_batch_of_readable_ballots(commune):
    """Nine readable ballots and one copied from another poll are not a batch of ten."""
    poll = make_poll(commune)
    for person in voters(commune, 9):
        ballots.vote(poll=poll, user=person, choice_id=choice(poll).pk)
    PendingBallot.objects.create(poll=poll, sealed=ballots.seal(poll_id=poll.pk + 1, choice_id=1))
    assert ballots.pending_count(poll) == 10
    assert ballots.tally(poll.pk) == 0
    assert votes_of(poll) == [0, 0, 0]
    assert ballots.pending_count(poll) == 10


@pytest.mark.django_db
def test_every_answer_of_the_poll_is_written_by_a_tally(commune):
    """Also the answers nobody chose in the batch: a single dump does not tell, from the
    rows' transaction ids, which answers the last batch touched."""
    from django.db import connection

    poll = make_poll(commune)
    for person in voters(commune, 10):
        ballots.vote(poll=poll, user=person, choice_id=choice(poll, 0).pk)
    assert ballots.tally(poll.pk) == 10
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT xmin::text) FROM polls_choice WHERE poll_id = %s", [poll.pk]
        )
        assert cursor.fetchone()[0] == 1
    assert votes_of(poll) == [10, 0, 0]


@pytest.mark.django_db
def test_a_vote_writes_no_log_line(commune, resident, django_capture_on_commit_callbacks):
    """Not the person, not the answer, not even "someone voted": nothing is logged, at any
    level, by the vote nor by the tally its tenth ballot queues."""
    poll = make_poll(commune)
    people = [resident, *voters(commune, 9)]
    root_logger = logging.getLogger()
    level = root_logger.level
    root_logger.setLevel(logging.DEBUG)
    try:
        with logged("") as records:
            for person in people:
                with django_capture_on_commit_callbacks(execute=True):
                    ballots.vote(poll=poll, user=person, choice_id=choice(poll, 1).pk)
    finally:
        root_logger.setLevel(level)
    assert votes_of(poll) == [0, 10, 0]  # the tally ran
    # django-q2 says it ran the tally task (its name and group), nothing of the vote.
    ours = [record for record in records if record.name != "django-q"]
    assert ours == []
    said = " ".join(record.getMessage() for record in records)
    assert resident.email not in said
    assert "Planter des arbres" not in said
