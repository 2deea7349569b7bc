"""POL-2 as the database sees it: nobody can link a vote to a voter.

* 50 attempts at once by one person give one participation and one ballot.
* After a tally, the whole database — every table, read row by row as a dump reads it —
  links no person to a choice: no pending ballot left, a register of (random key, poll,
  person, counted) only, each tally's batch of rows written by that tally's transaction
  alone in a random order (and the whole register by the closing tally), no other table
  gaining a row that names a voter. Tests plant such leaks and show the check sees them.

Transactional tests: each thread and each request has its own connection and commits,
as in production.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client

from accounts.models import User
from modules.polls import ballots
from modules.polls.ballots import VoteRefused
from modules.polls.models import Choice, Participation, PendingBallot, Poll
from tests.factories import UserFactory
from tests.follows import validated
from tests.modules.polls.test_ballots import make_poll

LONE_LABEL = "Rénover le lavoir Saint-Vincent"
OTHER_LABELS = ("Planter des arbres rue de Dinan", "Sans avis")
HOST = "saint-malo.localhost"
# Tables a vote may change besides the register and the counts: the voter's session
# (the site keeps its last activity there) and django-q2's own (a tally queued and run).
# Their rows are read apart: they must not hold an answer either.
SESSION_TABLE = "django_session"
TASK_TABLES = {"django_q_task", "django_q_ormq", "django_q_schedule"}


# --- 50 attempts at once ---------------------------------------------------------------


def _at_once(count: int, work) -> list:
    """Run ``work()`` in ``count`` threads released together, each on its own
    connection (opened before the start, closed at the end)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            results[index] = work()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_attempts_at_once_by_one_person_give_one_participation(commune, resident):
    """One account, one vote: the register's unique constraint decides between 50
    transactions racing each other; the 49 others are ``already_voted``."""
    voter = validated(resident, commune)
    poll = make_poll(commune)
    answer = poll.choices.first().pk

    def attempt():
        try:
            ballots.vote(poll=poll, user=voter, choice_id=answer)
        except VoteRefused as refused:
            return refused.code
        return "voted"

    results = _at_once(50, attempt)
    assert Counter(results) == {"voted": 1, "already_voted": 49}
    assert Participation.objects.filter(poll=poll).count() == 1
    assert PendingBallot.objects.filter(poll=poll).count() == 1
    assert Participation.objects.get(poll=poll).user_id == voter.pk


@pytest.mark.django_db(transaction=True)
def test_two_tallies_at_once_count_each_ballot_once(commune, monkeypatch):
    monkeypatch.setattr(ballots, "_queue_tally", lambda poll_id: None)  # nothing counted yet
    poll = make_poll(commune)
    for person in [validated(UserFactory(), commune) for _ in range(12)]:
        ballots.vote(poll=poll, user=person, choice_id=poll.choices.first().pk)
    # Closed (one second after it opened, an hour ago): the tallies take every ballot.
    Poll.objects.filter(pk=poll.pk).update(closes_at=poll.opens_at + timedelta(seconds=1))

    results = _at_once(2, lambda: ballots.tally(poll.pk, closing=True))
    assert sorted(results) == [0, 12]
    assert sum(Choice.objects.filter(poll=poll).values_list("votes", flat=True)) == 12
    assert PendingBallot.objects.filter(poll=poll).count() == 0


# --- the dump --------------------------------------------------------------------------


@dataclass
class Table:
    columns: list[str]
    rows: Counter  # of tuples of text, as a dump prints them
    user_columns: set[str]  # the columns that name an account


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (datetime, date, day_time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def dump() -> dict[str, Table]:
    """Every table of the database, every row (``SELECT *``, what ``pg_dump --data-only``
    writes), with the columns that name an account: foreign keys to the user table, and
    the columns named like one where the schema keeps no constraint (notifications)."""
    user_table = get_user_model()._meta.db_table
    tables = {}
    with connection.cursor() as cursor:
        for name in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(name)}")
            columns = [column.name for column in cursor.description]
            rows = Counter(tuple(_text(value) for value in row) for row in cursor.fetchall())
            relations = connection.introspection.get_relations(cursor, name)
            user_columns = {
                column for column, (_, table) in relations.items() if table == user_table
            } | {
                column
                for column in columns
                if column in {"user_id", "recipient_id", "actor_id", "author_id", "created_by_id"}
            }
            if name == user_table:  # an account's own row names it too
                user_columns.add("id")
            tables[name] = Table(columns, rows, user_columns)
    return tables


@dataclass
class World:
    poll: Poll
    lone: User  # the only one to choose LONE_LABEL
    lone_choice: Choice
    voters: list[User]
    clients: dict[int, Client]


def _world(commune) -> World:
    poll = make_poll(commune, labels=(LONE_LABEL, *OTHER_LABELS))
    lone = validated(
        UserFactory(first_name="Solène", last_name="Kerbrat", email="solene.kerbrat@example.org"),
        commune,
    )
    others = [validated(UserFactory(), commune) for _ in range(11)]
    clients = {}
    for person in [lone, *others]:
        client = Client(HTTP_HOST=HOST)
        client.force_login(person)
        clients[person.pk] = client
    return World(
        poll=poll,
        lone=lone,
        lone_choice=poll.choices.get(label=LONE_LABEL),
        voters=[lone, *others],
        clients=clients,
    )


def _vote_on_the_site(world: World, person: User, answer: Choice) -> None:
    """Through the real page: a POST whose body carries the answer, never the URL."""
    path = f"/sondages/{world.poll.pk}/voter/"
    response = world.clients[person.pk].post(path, {"choice": answer.pk})
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == f"/sondages/{world.poll.pk}/"


def _cast_votes(world: World) -> None:
    others = list(world.poll.choices.exclude(pk=world.lone_choice.pk).order_by("position"))
    _vote_on_the_site(world, world.lone, world.lone_choice)
    for index, person in enumerate(world.voters[1:]):
        _vote_on_the_site(world, person, others[index % 2])


def _names(row: tuple, table: Table, people: dict[int, User]) -> set[int]:
    """The accounts among ``people`` the row names: by a user column, or by e-mail."""
    named = set()
    for column, value in zip(table.columns, row, strict=True):
        if value is None:
            continue
        if column in table.user_columns and value.isdigit() and int(value) in people:
            named.add(int(value))
    text = " ".join(value for value in row if value)
    named |= {pk for pk, person in people.items() if person.email in text}
    return named


def _names_answer(row: tuple, table: Table, answer: Choice) -> bool:
    text = " ".join(value for value in row if value)
    if answer.label in text:
        return True
    if re.search(rf'"choice[a-z_]*":\s*"?{answer.pk}\b', text):
        return True
    return any(
        "choice" in column and value == str(answer.pk)
        for column, value in zip(table.columns, row, strict=True)
    )


def _register(poll: Poll) -> list[tuple[str, bool, int]]:
    """The poll's register rows as the heap holds them: (xmin, counted, user id)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text, counted, user_id FROM polls_participation "
            "WHERE poll_id = %s ORDER BY ctid",
            [poll.pk],
        )
        return [(xmin, counted, user_id) for xmin, counted, user_id in cursor.fetchall()]


def _tables_written_by(xmin: str) -> set[str]:
    """Every table holding a live row that transaction ``xmin`` wrote."""
    found = set()
    with connection.cursor() as cursor:
        for name in connection.introspection.table_names(cursor):
            cursor.execute(
                f"SELECT 1 FROM {connection.ops.quote_name(name)} WHERE xmin::text = %s LIMIT 1",
                [xmin],
            )
            if cursor.fetchone():
                found.add(name)
    return found


def register_violations(world: World) -> list[str]:
    """What the register's transaction ids and heap order tell of the votes. The rows a
    tally has not rewritten yet (``counted`` false) are the pending ballots' voters, one
    per pending ballot (the window before a tally); every other row was rewritten by a
    tally: its transaction wrote nothing but register rows and the counts, in batches of
    at least ``MIN_BATCH`` rows (or the whole register, at closing), not in the votes'
    order."""
    found = []
    poll = world.poll
    rows = _register(poll)
    waiting = sum(1 for _, counted, _ in rows if not counted)
    pending = PendingBallot.objects.filter(poll=poll).count()
    if waiting != pending:
        found.append(
            f"register keeps the votes' transactions: {waiting} row(s) not rewritten by a "
            f"tally, {pending} ballot(s) pending"
        )
    order = {person.pk: index for index, person in enumerate(world.voters)}
    batches: dict[str, list[int]] = {}
    for xmin, counted, user_id in rows:
        if counted:
            batches.setdefault(xmin, []).append(user_id)
    for xmin, people in batches.items():
        others = _tables_written_by(xmin) - {"polls_participation", "polls_choice"}
        if others:
            found.append(f"register shares its transaction with {sorted(others)}")
        if len(people) < ballots.MIN_BATCH and len(people) != len(rows):
            found.append(f"register keeps a batch of {len(people)}")
        ranks = [order[pk] for pk in people]
        # A batch of 10 or more in the votes' order by chance: less than 1 in 3.6 million.
        if len(people) >= ballots.MIN_BATCH and ranks == sorted(ranks):
            found.append(f"register in the votes' order: {ranks}")
    return found


def _xmins(table: str, poll: Poll) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(DISTINCT xmin::text) FROM {table} WHERE poll_id = %s",
            [poll.pk],
        )
        return cursor.fetchone()[0]


def violations(before: dict[str, Table], after: dict[str, Table], world: World) -> list[str]:
    """What, in the dump taken after the tally (and against the one before the votes),
    could link a person to a choice. Empty when nothing does."""
    found = []
    poll = world.poll
    people = {person.pk: person for person in world.voters}
    choices = list(Choice.objects.filter(poll=poll))

    # 1. No ballot waits: each was opened, counted and deleted.
    if after["polls_pendingballot"].rows:
        found.append(f"pending ballots left: {sum(after['polls_pendingballot'].rows.values())}")

    # 2. The register: (random UUID, poll, person, counted), no time, no integer id, no
    #    choice...
    register = after["polls_participation"]
    if sorted(register.columns) != ["counted", "id", "poll_id", "user_id"]:
        found.append(f"register columns: {register.columns}")
    pairs = set()
    for row in register.rows:
        values = dict(zip(register.columns, row, strict=True))
        if uuid.UUID(values["id"]).version != 4:
            found.append(f"register key not random: {values['id']}")
        pairs.add((int(values["poll_id"]), int(values["user_id"])))
    if pairs != {(poll.pk, pk) for pk in people}:
        found.append(f"register rows: {sorted(pairs)}")
    # ...and no order: every row rewritten by a tally, in a random order, so neither the
    # heap order nor ``xmin`` tells who voted before whom.
    found += register_violations(world)
    # The counts: every answer written by the last tally (which answers a batch touched
    # is not in the rows' transaction ids either), nothing but ``votes`` changed.
    if _xmins("polls_choice", poll) != 1:
        found.append("answers written by different tallies")
    counts = {choice.label: choice.votes for choice in choices}
    if counts != {LONE_LABEL: 1, OTHER_LABELS[0]: 6, OTHER_LABELS[1]: 5}:
        found.append(f"counts: {counts}")

    # 3. No row anywhere names the lone voter together with her answer.
    for name, table in after.items():
        for row in table.rows:
            if world.lone.pk in _names(row, table, people) and _names_answer(
                row, table, world.lone_choice
            ):
                found.append(f"{name}: a row names the lone voter with her answer: {row}")

    # 4. What the votes and the tally changed: the register and the counts, the session
    #    and the task tables (read below); no other row naming a voter.
    for name, table in after.items():
        old = before.get(name)
        added = table.rows - (old.rows if old else Counter())
        if not added or name in {"polls_participation", "polls_choice"}:
            continue
        if name == SESSION_TABLE or name in TASK_TABLES:
            continue
        for row in added:
            if _names(row, table, people):
                found.append(f"{name}: a new row names a voter: {row}")
    labels = {choice.label for choice in choices}
    for row in after[SESSION_TABLE].rows - before[SESSION_TABLE].rows:
        columns = after[SESSION_TABLE].columns
        data = SessionStore().decode(dict(zip(columns, row, strict=True))["session_data"])
        stored = json.dumps(data, ensure_ascii=False, default=str)
        if any(label in stored for label in labels) or re.search(r"poll|choice|sondage", stored):
            found.append(f"a session keeps something of the vote: {stored}")
    from django_q.models import OrmQ, Task

    for task in Task.objects.all():
        if task.func.startswith("modules.polls") and (
            task.args != (poll.pk,) or task.kwargs or not isinstance(task.result, int)
        ):
            found.append(f"task {task.func} keeps {task.args} {task.kwargs} {task.result}")
    if OrmQ.objects.exists():
        found.append("a task is still queued")
    return found


def _closing_tally(world: World) -> None:
    assert ballots.tally(world.poll.pk, closing=True) == 2


@pytest.mark.django_db(transaction=True)
def test_after_a_tally_a_full_dump_links_no_person_to_a_choice(commune):
    """Twelve residents vote on the site, one alone for "Rénover le lavoir Saint-Vincent";
    the tenth vote's tally counts ten, the closing tally the last two. Then every table
    is read: nothing links Solène to her answer."""
    world = _world(commune)
    before = dump()
    _cast_votes(world)
    assert ballots.pending_count(world.poll) == 2  # the tenth vote's tally counted ten
    # Between the tallies: the first ten rows rewritten together by the tally (the
    # transaction that wrote the counts), the last two still their votes' own.
    assert register_violations(world) == []
    rows = _register(world.poll)
    first = {xmin for xmin, counted, _ in rows if counted}
    assert sum(1 for _, counted, _ in rows if counted) == 10
    assert len(first) == 1
    assert _tables_written_by(next(iter(first))) == {"polls_participation", "polls_choice"}
    assert len({xmin for xmin, counted, _ in rows if not counted}) == 2
    _closing_tally(world)
    after = dump()

    assert violations(before, after, world) == []
    # The closing tally rewrote the whole register: one transaction, the counts' too.
    assert _xmins("polls_participation", world.poll) == 1
    [xmin] = {xmin for xmin, _, _ in _register(world.poll)}
    assert first != {xmin}
    assert _tables_written_by(xmin) == {"polls_participation", "polls_choice"}
    assert all(counted for _, counted, _ in _register(world.poll))
    changed = {name for name, table in after.items() if table.rows != before[name].rows}
    assert changed - {SESSION_TABLE} == {"polls_participation", "polls_choice", "django_q_task"}
    # And what a dump would show of Solène is the register only (and her account).
    rows = [
        name
        for name, table in after.items()
        for row in table.rows - before[name].rows
        if world.lone.pk in _names(row, table, {world.lone.pk: world.lone})
    ]
    assert rows == ["polls_participation"]


@pytest.mark.django_db(transaction=True)
def test_the_dump_check_would_see_a_leak(commune, monkeypatch):
    """The same votes with planted leaks — a time on the register, the register kept in
    the votes' order, an audit row naming the voter and her answer, ballots left pending
    (the dump taken before the closing tally) — and the check names each of them."""
    from django.contrib.admin.models import ADDITION, LogEntry

    world = _world(commune)
    real_vote = ballots.vote

    def vote_with_an_audit_trail(*, poll, user, choice_id):
        real_vote(poll=poll, user=user, choice_id=choice_id)
        label = Choice.objects.get(pk=choice_id).label
        LogEntry.objects.create(
            user=user,
            content_type_id=_content_type(),
            object_id=str(poll.pk),
            object_repr=label,
            action_flag=ADDITION,
        )

    monkeypatch.setattr(ballots, "vote", vote_with_an_audit_trail)
    monkeypatch.setattr(ballots, "_rewrite_register", lambda poll_id, random, whole: None)
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE polls_participation "
            "ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()"
        )
    try:
        before = dump()
        _cast_votes(world)
        after = dump()
        found = violations(before, after, world)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE polls_participation DROP COLUMN created_at")

    kinds = {problem.split(":")[0] for problem in found}
    assert "pending ballots left" in kinds
    assert "register columns" in kinds
    assert "register keeps the votes' transactions" in kinds
    assert "django_admin_log" in kinds
    assert any("names the lone voter with her answer" in problem for problem in found)
    assert any("a new row names a voter" in problem for problem in found)


@pytest.mark.django_db(transaction=True)
def test_the_dump_check_would_see_a_register_rewritten_in_the_votes_order(commune, monkeypatch):
    """Rewritten by the tallies but not shuffled: each batch's rows keep the votes' order
    in the heap, and the check says so (after the first tally and after the closing)."""
    world = _world(commune)
    monkeypatch.setattr(ballots.secrets.SystemRandom, "shuffle", lambda self, items: None)
    _cast_votes(world)
    assert [problem.split(":")[0] for problem in register_violations(world)] == [
        "register in the votes' order"
    ]
    _closing_tally(world)
    assert [problem.split(":")[0] for problem in register_violations(world)] == [
        "register in the votes' order"
    ]


@pytest.mark.django_db(transaction=True)
def test_the_dump_check_would_see_a_register_row_written_with_its_ballot(commune, monkeypatch):
    """Marked counted by the vote itself (no rewrite by a tally): the rows keep their
    votes' transactions, shared with the audit rows written beside them, in batches of
    one."""
    from django.contrib.admin.models import ADDITION, LogEntry

    world = _world(commune)
    real_create = Participation.objects.create

    def create_counted(**fields):
        LogEntry.objects.create(
            user_id=fields["user_id"],
            content_type_id=_content_type(),
            object_id=str(fields["poll_id"]),
            object_repr="vote",
            action_flag=ADDITION,
        )
        return real_create(**fields, counted=True)

    monkeypatch.setattr(Participation.objects, "create", create_counted)
    monkeypatch.setattr(ballots, "_rewrite_register", lambda poll_id, random, whole: None)
    _cast_votes(world)
    found = register_violations(world)
    kinds = Counter(problem.split(":")[0] for problem in found)
    assert kinds["register keeps the votes' transactions"] == 1
    assert "register shares its transaction with ['django_admin_log']" in found
    assert kinds["register keeps a batch of 1"] == 12


def _content_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Poll).pk
