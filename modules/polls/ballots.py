"""The anonymous ballot box of the town hall's polls (POL-2).

A vote (:func:`vote`) writes, in one transaction and nothing else:

* the register row (:class:`~modules.polls.models.Participation`: random UUID, poll,
  person, ``counted`` false; no time, no choice), whose unique constraint on (poll,
  person) is the one-vote guarantee;
* a pending ballot (:class:`~modules.polls.models.PendingBallot`: random UUID, poll, the
  sealed choice; no voter, no time).

**Sealing** (:func:`seal`): AES-256-GCM with a random 96-bit nonce, keyed by
``POLL_BALLOT_KEYS`` (kept in the environment, never in the database). Not Fernet: a
Fernet token carries its creation time in clear. The plaintext is the choice id on a fixed
8 bytes, so every ballot is :data:`SEALED_LENGTH` bytes whatever the choice; the
associated data binds it to its poll (a ballot copied to another poll does not open). The
first byte is the sealing key's id (a hash of the key, not its position: adding a key in
front does not renumber the others), so the keys can rotate: new ballots are sealed with
the first key, a ballot opens with whichever listed key sealed it.

**Counting** (:func:`tally`): under a lock on the poll row, once at least
``POLL_TALLY_BATCH`` (10) ballots of a poll open, or at closing, they are opened in a
random order, added to ``Choice.votes`` (one ``UPDATE`` per choice of the poll, each of
them, so no row tells which answers this batch touched) and deleted. In the same
transaction the register rows written since the previous tally (``counted`` false) are
deleted and written again in a random order, with new random keys and ``counted`` true, so
they keep neither the order nor the transactions of the votes; the rows of earlier batches
are not touched (a tally costs a batch, not the participation). A closing tally (of a
closed poll) rewrites the whole register. After a tally nothing in the database links a
person to a choice.

What ``counted`` and the batches leave readable: ``counted`` false says only that the
row's ballot is not counted yet, which the pending ballots already say (their number, and
until the tally the transaction id, ``xmin``, that the row shares with its ballot). While
a poll is open, the rows rewritten by one tally share that tally's ``xmin`` and usually
sit together in the heap: a dump tells which batch a person's ballot was counted in (never
its choice). The batch is the anonymity set already (two dumps around a tally, or
``django_q_task`` and an access log, tell the same); what is new is that one dump of an
open poll tells it. Once the closing tally has rewritten the whole register, its rows are
one transaction in a random order again (one O(participants) rewrite per poll, when no
vote waits for it). The limits (the batch is the anonymity set, the window before a tally,
WAL and backups, dead tuples until ``VACUUM``) are written in ``docs/architecture.md``,
"Polls: threat model".

**A ballot that does not open** (no listed key sealed it, it was altered, or it was moved
to another poll) is not counted, does not stop the others being counted, and stays
pending: a vote is never destroyed because a key was removed too early; putting the key
back counts it at the next tally. Each tally logs how many did not open (an error, with
the poll's id only, never a ballot's content). While one stays, a closed poll reads
"Dépouillement en cours" and its results are not announced: an operator either restores
the key or drops those ballots with :func:`discard_unreadable` (docs/deploy.md, "Poll
ballot keys").

Nothing here logs a person together with a poll's answer, and the choice never travels
in a URL: the site and the API take it from the request's body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
import struct
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.selectors import is_validated_resident
from core.access import is_open_account
from modules.polls.models import Choice, Participation, PendingBallot, Poll

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit GCM nonce, random for each ballot
TAG_BYTES = 16
CHOICE_BYTES = 8  # the choice id, big-endian on a fixed length
HEADER_BYTES = 1  # the sealing key's id
SEALED_LENGTH = HEADER_BYTES + NONCE_BYTES + CHOICE_BYTES + TAG_BYTES  # 37 bytes
MIN_BATCH = 10  # POL-2: batches of at least 10
_KEY_ID_CONTEXT = b"voisinage poll ballot key id\x00"
_AAD_CONTEXT = b"voisinage poll ballot v1\x00"
REGISTER_CONSTRAINT = "poll_participation_unique"


class VoteRefused(Exception):
    """A vote not taken: ``code`` for the API, ``message`` (translatable) for people.

    Codes: ``"closed"``, ``"not_open_yet"``, ``"already_voted"``, ``"not_allowed"``,
    ``"unknown_choice"``.
    """

    def __init__(self, code: str, message: str):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


REFUSALS = {
    "closed": _("This poll is closed: it no longer takes answers."),
    "not_open_yet": _("This poll is not open yet."),
    "already_voted": _("You have already answered this poll."),
    "not_allowed": _("Only the validated residents of the commune can answer this poll."),
    "unknown_choice": _("Choose one of the answers of this poll."),
}


def _refused(code: str) -> VoteRefused:
    return VoteRefused(code, REFUSALS[code])  # type: ignore[arg-type]


class BallotUnreadable(Exception):
    """A sealed ballot that no listed key opens for this poll (says nothing more)."""


# --- keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    position: int  # in POLL_BALLOT_KEYS, 0 = the newest (seals)
    key_id: int
    aead: AESGCM


def key_id(key: bytes) -> int:
    """The one-byte id written in front of a ballot: a hash of the key, not its position."""
    return hashlib.sha256(_KEY_ID_CONTEXT + key).digest()[0]


def _decode_key(text: str, position: int) -> bytes:
    cleaned = text.strip()
    try:
        raw = base64.b64decode(
            cleaned.replace("-", "+").replace("_", "/") + "=" * (-len(cleaned) % 4),
            validate=True,
        )
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(
            f"POLL_BALLOT_KEYS: key #{position + 1} is not base64 ({exc}). "
            'Make one with: python -c "import base64, os; '
            'print(base64.b64encode(os.urandom(32)).decode())" (docs/deploy.md).'
        ) from exc
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"POLL_BALLOT_KEYS: key #{position + 1} is {len(raw)} bytes once decoded; an "
            f"AES-256-GCM key is {KEY_BYTES} random bytes, base64-encoded (docs/deploy.md)."
        )
    return raw


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> tuple[_Key, ...]:
    if not keys:
        raise ImproperlyConfigured(
            "POLL_BALLOT_KEYS must list at least one base64 AES-256-GCM key (newest "
            "first): without it no poll ballot can be sealed or counted (docs/deploy.md, "
            '"Poll ballot keys").'
        )
    ring, seen = [], set()
    for position, text in enumerate(keys):
        raw = _decode_key(text, position)
        if raw in seen:
            raise ImproperlyConfigured(f"POLL_BALLOT_KEYS lists key #{position + 1} twice.")
        seen.add(raw)
        ring.append(_Key(position=position, key_id=key_id(raw), aead=AESGCM(raw)))
    return tuple(ring)


def keyring() -> tuple[_Key, ...]:
    """The current keys, read from settings at each call (rotation needs no restart of
    the code, only of the process's environment). Raises ``ImproperlyConfigured`` when the
    setting is missing or a key is not 32 base64-encoded bytes."""
    configured = getattr(settings, "POLL_BALLOT_KEYS", None)
    if isinstance(configured, str):
        configured = [part for part in configured.split(",") if part.strip()]
    return _keyring(tuple(configured or ()))


def batch_size() -> int:
    """``POLL_TALLY_BATCH``: how many ballots a tally of an open poll waits for (>= 10)."""
    size = int(getattr(settings, "POLL_TALLY_BATCH", MIN_BATCH))
    if size < MIN_BATCH:
        raise ImproperlyConfigured(
            f"POLL_TALLY_BATCH is {size}: a tally must count at least {MIN_BATCH} ballots "
            "at once, the anonymity set of a vote (POL-2)."
        )
    return size


# --- sealing -------------------------------------------------------------------------


def _aad(poll_id: int, header: bytes) -> bytes:
    return _AAD_CONTEXT + str(int(poll_id)).encode() + b"\x00" + header


def seal(*, poll_id: int, choice_id: int) -> bytes:
    """The sealed ballot for ``choice_id`` in poll ``poll_id``: key id (1 byte), random
    nonce (12), ciphertext of the 8-byte choice id and its tag (24) — always
    :data:`SEALED_LENGTH` bytes, no time in it."""
    key = keyring()[0]
    header = bytes([key.key_id])
    nonce = os.urandom(NONCE_BYTES)
    plaintext = struct.pack(">Q", int(choice_id))
    return header + nonce + key.aead.encrypt(nonce, plaintext, _aad(poll_id, header))


def open_ballot(sealed: bytes | memoryview, *, poll_id: int) -> int:
    """The choice id inside ``sealed`` for poll ``poll_id``; ``BallotUnreadable`` when no
    listed key opens it for this poll (wrong key, altered bytes, another poll's ballot)."""
    data = bytes(sealed)
    if len(data) != SEALED_LENGTH:
        raise BallotUnreadable
    header, nonce, ciphertext = (
        data[:HEADER_BYTES],
        data[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES],
        data[HEADER_BYTES + NONCE_BYTES :],
    )
    for key in keyring():
        if key.key_id != header[0]:
            continue
        try:
            plaintext = key.aead.decrypt(nonce, ciphertext, _aad(poll_id, header))
        except InvalidTag:
            continue  # two keys may share an id byte: try the next one
        return struct.unpack(">Q", plaintext)[0]
    raise BallotUnreadable


# --- voting --------------------------------------------------------------------------


def _is_hidden(poll: Poll) -> bool:
    return poll.hidden_at is not None


def may_vote(user: User, poll: Poll) -> bool:
    """An open account, a validated resident of the poll's commune, the poll open now and
    not hidden by moderation. (Whether they already voted: :func:`has_voted`.)"""
    return (
        is_open_account(user)
        and not _is_hidden(poll)
        and poll.is_open()
        and is_validated_resident(user, poll.commune)
    )


def has_voted(user: User, poll: Poll) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Participation.objects.filter(poll_id=poll.pk, user_id=user.pk).exists()


def pending_count(poll: Poll) -> int:
    """Ballots of ``poll`` not counted yet (their number only: nothing else is readable)."""
    return PendingBallot.objects.filter(poll_id=poll.pk).count()


def _poll_for_vote(poll_id: int) -> tuple[Any, ...] | None:
    """The poll's commune, opening, closing and hiding, read under a ``FOR SHARE`` lock:
    votes do not wait for each other, but an early closing (``FOR UPDATE``) and a tally
    (``FOR NO KEY UPDATE``) wait for the votes in progress, and the votes after them read
    the new closing time — so the closing tally counts every ballot cast before it."""
    if connection.vendor != "postgresql":  # the SQLite demo: one writer at a time anyway
        return (
            Poll.objects.filter(pk=poll_id)
            .values_list("commune_id", "opens_at", "closes_at", "hidden_at")
            .first()
        )
    table = connection.ops.quote_name(Poll._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT commune_id, opens_at, closes_at, hidden_at FROM {table} "  # noqa: S608
            "WHERE id = %s FOR SHARE",
            [poll_id],
        )
        row = cursor.fetchone()
    return tuple(row) if row else None


def vote(*, poll: Poll, user: User, choice_id: int) -> None:
    """``user`` answers ``poll`` with ``choice_id`` (POL-2), or ``VoteRefused``.

    One transaction writes the register row and the sealed ballot, nothing else: no
    notification, no log line, no time. The register's unique constraint makes a second
    vote, even one racing the first, ``already_voted``. When the poll then has a batch of
    ballots waiting, a tally is queued once the vote is committed.
    """
    if not is_open_account(user):
        raise _refused("not_allowed")
    try:
        with transaction.atomic():
            current = _poll_for_vote(poll.pk)
            if current is None:
                raise _refused("not_allowed")
            commune_id, opens_at, closes_at, hidden_at = current
            if hidden_at is not None or commune_id != poll.commune_id:
                raise _refused("not_allowed")
            if not is_validated_resident(user, poll.commune):
                raise _refused("not_allowed")
            now = timezone.now()
            if now < opens_at:
                raise _refused("not_open_yet")
            if now >= closes_at:
                raise _refused("closed")
            try:
                choice = int(choice_id)
            except (TypeError, ValueError):
                raise _refused("unknown_choice") from None
            if not Choice.objects.filter(pk=choice, poll_id=poll.pk).exists():
                raise _refused("unknown_choice")
            Participation.objects.create(poll_id=poll.pk, user_id=user.pk)
            PendingBallot.objects.create(
                poll_id=poll.pk, sealed=seal(poll_id=poll.pk, choice_id=choice)
            )
            if PendingBallot.objects.filter(poll_id=poll.pk).count() >= batch_size():
                poll_id = poll.pk
                transaction.on_commit(lambda: _queue_tally(poll_id), robust=True)
    except IntegrityError as exc:
        if _constraint_of(exc) == REGISTER_CONSTRAINT:
            raise _refused("already_voted") from None
        raise


def _constraint_of(exc: IntegrityError) -> str | None:
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is None and REGISTER_CONSTRAINT in str(exc):  # other backends (SQLite demo)
        return REGISTER_CONSTRAINT
    if name is None and "UNIQUE constraint failed: polls_participation" in str(exc):
        return REGISTER_CONSTRAINT
    return name


def _queue_tally(poll_id: int) -> None:
    from django_q.tasks import async_task

    # Plain literals only (django-q2 keeps the arguments): the poll's id, nothing else.
    async_task("modules.polls.tasks.tally_poll", int(poll_id), group="polls-tally")


# --- counting ------------------------------------------------------------------------


def tally(poll_id: int, *, closing: bool = False) -> int:
    """Count the pending ballots of poll ``poll_id`` when at least a batch of them opens,
    or all of them when ``closing`` or the poll is closed; returns how many were counted.

    One transaction under a lock on the poll row (two tallies never count a ballot twice):
    the ballots are opened in a random order, each choice of the poll gets one ``UPDATE``
    (``votes + n``, n possibly 0), the counted ballots are deleted and the register rows
    not rewritten yet (all of them at closing) are rewritten in a random order (see the
    module docstring). A ballot that does not open stays pending and is reported in the
    log by number only; its register row is rewritten with the others.
    """
    with transaction.atomic():
        poll = (
            Poll.objects.select_for_update(no_key=True)
            .filter(pk=poll_id)
            .only("pk", "closes_at")
            .first()
        )
        if poll is None:
            return 0
        closing = closing or poll.is_closed()
        sealed = list(PendingBallot.objects.filter(poll_id=poll_id).values_list("pk", "sealed"))
        if not sealed:
            return 0
        if len(sealed) < batch_size() and not closing:
            return 0
        choices = sorted(Choice.objects.filter(poll_id=poll_id).values_list("pk", flat=True))
        known = set(choices)
        random = secrets.SystemRandom()
        random.shuffle(sealed)
        counts: Counter[int] = Counter()
        opened = []
        unreadable = 0
        for pk, ballot in sealed:
            try:
                choice = open_ballot(ballot, poll_id=poll_id)
            except BallotUnreadable:
                unreadable += 1
                continue
            if choice not in known:  # sealed with the key, for a choice no longer there
                unreadable += 1
                continue
            counts[choice] += 1
            opened.append(pk)
        if unreadable:
            logger.error(
                "Poll %s: %s pending ballot(s) did not open with POLL_BALLOT_KEYS and stay "
                "uncounted (docs/deploy.md, 'Poll ballot keys').",
                poll_id,
                unreadable,
            )
        if not opened or (len(opened) < batch_size() and not closing):
            return 0
        for choice in choices:
            Choice.objects.filter(pk=choice).update(votes=F("votes") + counts[choice])
        PendingBallot.objects.filter(pk__in=opened).delete()
        _rewrite_register(poll_id, random, whole=closing)
        return len(opened)


def _rewrite_register(poll_id: int, random: secrets.SystemRandom, *, whole: bool) -> None:
    """The poll's register rows not rewritten yet (``counted`` false; every row when
    ``whole``) again, in a random order, under new random keys, ``counted`` true: they no
    longer carry the order nor the transaction ids of the votes (PostgreSQL keeps both in
    the heap and in ``xmin`` until a row is rewritten). The rows of earlier batches already
    carry only their tally's: left alone, a tally costs its batch (the partial index
    ``poll_participation_uncounted``), not the poll's participation."""
    table = connection.ops.quote_name(Participation._meta.db_table)
    where = "poll_id = %s" if whole else "poll_id = %s AND NOT counted"
    with connection.cursor() as cursor:
        # One statement: a row committed meanwhile cannot be deleted without being read
        # (and the votes wait for the tally's lock on the poll anyway).
        cursor.execute(
            f"DELETE FROM {table} WHERE {where} RETURNING user_id",  # noqa: S608
            [poll_id],
        )
        people = [row[0] for row in cursor.fetchall()]
    random.shuffle(people)
    Participation.objects.bulk_create(
        [Participation(poll_id=poll_id, user_id=user_id, counted=True) for user_id in people],
        batch_size=5_000,
    )


# --- operators -----------------------------------------------------------------------


def pending_by_key() -> dict[str, int]:
    """How many pending ballots (all polls) each listed key sealed, by position in
    ``POLL_BALLOT_KEYS`` (``"1"`` = the newest), and ``"unknown"`` for an id none has: an
    old key may go once its count is 0 (docs/deploy.md, "Poll ballot keys")."""
    positions: dict[int, str] = {}
    for key in reversed(keyring()):
        positions[key.key_id] = str(key.position + 1)
    counts: Counter[str] = Counter()
    for (sealed,) in PendingBallot.objects.values_list("sealed").iterator():
        data = bytes(sealed)
        counts[positions.get(data[0], "unknown") if data else "unknown"] += 1
    return dict(counts)


def discard_unreadable(poll_id: int) -> int:
    """Delete the pending ballots of poll ``poll_id`` that no listed key opens (an
    operator's decision, once the key is known lost); returns how many went."""
    with transaction.atomic():
        Poll.objects.select_for_update(no_key=True).filter(pk=poll_id).first()
        doomed = []
        for pk, sealed in PendingBallot.objects.filter(poll_id=poll_id).values_list("pk", "sealed"):
            try:
                open_ballot(sealed, poll_id=poll_id)
            except BallotUnreadable:
                doomed.append(pk)
        PendingBallot.objects.filter(pk__in=doomed).delete()
    if doomed:
        logger.warning("Poll %s: %s unreadable pending ballot(s) discarded.", poll_id, len(doomed))
    return len(doomed)
