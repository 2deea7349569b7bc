"""Writes of private messages (CNT-3, TWN-3): start a thread, answer, read, block.

Keyword-only and atomic; the site, the API and the Wagtail admin call these, never the
ORM. Nobody edits nor deletes a message (moderation hides it, issue 17).

Rules (docs/architecture.md, "Messages"):

* a thread between people has 1 to ``MESSAGING_MAX_RECIPIENTS`` (20) recipients, each
  chosen among the people the author reaches (``selectors.reachable_people``);
* a new message needs the relation to hold with every other participant still in the
  thread: once someone left the community (or the twinning ended), the past stays
  readable but the service refuses, naming who cannot be reached any more;
* a partner town hall's staff member holding ``contact_referents`` (police, mayor) opens a
  thread with a référent of a community of that commune (COM-2), in their own name with
  their role (``Message.signed_role``, "Police – Saint-Malo"); later messages need the
  référent to still be one there and the staff member to still hold the permission;
* blocking: the blocked person cannot start a thread with the blocker nor write in a
  thread where the blocker is their only correspondent; in a group thread they still
  write to the others, and the blocker is neither notified nor shown the message
  unfolded (their inbox does not move for it);
* abuse control (``core.abuse``): messages and new threads per hour
  (``ABUSE_LIMITS["message"]``, ``["thread"]``; ``MESSAGING_MESSAGES_PER_HOUR`` and
  ``MESSAGING_THREADS_PER_HOUR`` replace them when set), :class:`RateLimited` (a
  PermissionDenied with ``retry_after`` seconds), links of a new account, and the same
  text sent again and again: saved hidden, held for a moderator, nobody told.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import abuse
from messaging import notify
from messaging.models import (
    BODY_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    Block,
    Message,
    Participant,
    Thread,
)
from messaging.selectors import (
    answers_for_town_hall,
    blockers_of,
    can_contact_referents,
    can_write_to_town_hall,
    is_referent_of_commune,
    reachable_people,
    referent_contact_label,
    referents_of_commune,
    residents_of,
    staff_role_label,
)
from privacy.matrix import build_card, cards_by_id, former_member_card
from privacy.relations import Relation

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

DEFAULT_MAX_RECIPIENTS = 20


# Kept under its old name: the API and the site catch it (core.abuse's, a PermissionDenied
# with ``retry_after``).
RateLimited = abuse.RateLimited
MESSAGE_KIND = "messaging.message"  # its ReportableKind (messaging.apps)


def max_recipients() -> int:
    return int(getattr(settings, "MESSAGING_MAX_RECIPIENTS", DEFAULT_MAX_RECIPIENTS))


def _clean_text(value: object, *, field: str, max_length: int, required: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: [_("Enter a text.")]})
    if "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise ValidationError({field: [_("Remove the invalid characters.")]})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: [_("Write your message.")]})
    if len(value) > max_length:
        raise ValidationError(
            {field: [_("Write at most %(max)s characters.") % {"max": max_length}]}
        )
    return value


def _limit(name: str) -> int | None:
    """``MESSAGING_MESSAGES_PER_HOUR`` / ``MESSAGING_THREADS_PER_HOUR`` when a deployment
    still sets them: they replace ``ABUSE_LIMITS["message"]`` / ``["thread"]``."""
    value = getattr(settings, name, None)
    return None if value is None else int(value)


def _check_rate(
    author: User, *, new_thread: bool, body: str = "", trusted: bool = False
) -> abuse.Verdict:
    """core.abuse's limits: messages (and new threads) per hour, links of a new account,
    the same text sent again and again (held for a moderator)."""
    verdict = abuse.check(
        author,
        "message",
        recent=Message.objects.filter(author=author),
        text=body,
        text_fields=("body",),
        trusted=trusted,
        per_hour=_limit("MESSAGING_MESSAGES_PER_HOUR"),
    )
    if new_thread:
        abuse.check(
            author,
            "thread",
            recent=Thread.objects.filter(created_by=author),
            trusted=trusted,
            per_hour=_limit("MESSAGING_THREADS_PER_HOUR"),
        )
    return verdict


def _names(viewer: User, ids: Iterable[int]) -> str:
    cards = cards_by_id(viewer, ids)
    return ", ".join(sorted(str(card.display_name) for card in cards.values()))


def _former_correspondents(ids: Iterable[int]) -> str:
    """People who shared a thread with the writer, named as they appeared in it (pseudonym
    or name, as in a community): the writer knew them so; nothing more is shown."""
    people = get_user_model().objects.filter(pk__in=list(ids))
    return ", ".join(
        sorted(
            str(build_card(person, frozenset({Relation.SAME_COMMUNITY})).display_name)
            for person in people
        )
    )


def _post(
    thread: Thread,
    *,
    author: User,
    body: str,
    as_town_hall: bool = False,
    signed_role: str = "",
    now: datetime | None = None,
    verdict: abuse.Verdict = abuse.SHOWN,
) -> tuple[Message, list[int]]:
    """Write the message, move the inboxes, return it and the people to notify.

    A message abuse control holds (``verdict``) is saved hidden and moves only its
    author's side: nobody else sees nor is told of it until a moderator shows it."""
    now = now or timezone.now()
    message = Message.objects.create(
        thread=thread,
        author=author,
        as_town_hall=as_town_hall,
        signed_role=signed_role,
        body=body,
        created_at=now,
        hidden_at=verdict.hidden_at(now),
    )
    if verdict.held:
        Participant.objects.filter(thread=thread, user=author).update(
            last_message_at=now, last_read_at=now
        )
        # A new thread's other sides have nothing to read yet.
        Participant.objects.filter(thread=thread, last_read_at__isnull=True).exclude(
            user=author
        ).filter(joined_at=now).update(last_read_at=now)
        abuse.hold(verdict, kind=MESSAGE_KIND, instance=message)
        return message, []
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    thread.last_message_at = now
    active = Participant.objects.filter(thread=thread, left_at__isnull=True).exclude(
        user_id__in=blockers_of(author.pk)
    )
    active.update(last_message_at=now)
    if as_town_hall:  # the town hall's side has read what its staff wrote
        Participant.objects.filter(thread=thread, user__isnull=True).update(
            last_message_at=now, last_read_at=now
        )
    else:
        Participant.objects.filter(thread=thread, user=author).update(
            last_message_at=now, last_read_at=now
        )
    recipients = list(
        active.exclude(user=author).filter(user__isnull=False).values_list("user_id", flat=True)
    )
    return message, recipients


@transaction.atomic
def thread_start(
    *, author: User, recipients: Iterable[User], body: str, subject: str = ""
) -> Thread:
    """``author`` writes to people they reach (1 to 20 of them, chosen one by one)."""
    people = {person.pk: person for person in recipients if person is not None}
    people.pop(author.pk, None)
    if not people:
        raise ValidationError({"recipients": [_("Choose at least one person.")]})
    if len(people) > max_recipients():
        raise ValidationError(
            {"recipients": [_("Choose at most %(max)s people.") % {"max": max_recipients()}]}
        )
    subject = _clean_text(subject, field="subject", max_length=SUBJECT_MAX_LENGTH, required=False)
    body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH, required=True)
    reachable = set(reachable_people(author).filter(pk__in=people).values_list("pk", flat=True))
    blocked = set(
        Block.objects.filter(blocker_id__in=people, blocked=author).values_list(
            "blocker_id", flat=True
        )
    ) | set(
        Block.objects.filter(blocker=author, blocked_id__in=people).values_list(
            "blocked_id", flat=True
        )
    )
    refused = (set(people) - reachable) | blocked
    if refused:
        raise ValidationError(
            {
                "recipients": [
                    ngettext(
                        "You cannot write to %(names)s.",
                        "You cannot write to these people: %(names)s.",
                        len(refused),
                    )
                    % {"names": _names(author, refused)}
                ]
            }
        )
    verdict = _check_rate(author, new_thread=True, body=body)
    now = timezone.now()
    thread = Thread.objects.create(
        subject=subject, created_by=author, created_at=now, last_message_at=now
    )
    Participant.objects.bulk_create(
        [
            Participant(
                thread=thread, user=author, joined_at=now, last_message_at=now, last_read_at=now
            )
        ]
        + [
            Participant(thread=thread, user_id=pk, joined_at=now, last_message_at=now)
            for pk in sorted(people)
        ]
    )
    message, notified = _post(thread, author=author, body=body, now=now, verdict=verdict)
    thread.held = verdict.held  # type: ignore[attr-defined]  # for the caller's message
    if not verdict.held:
        transaction.on_commit(
            lambda: notify.message_written(message, recipient_ids=notified, to_staff=False)
        )
    return thread


@transaction.atomic
def town_hall_thread_start(
    *, author: User, commune: Commune, body: str, subject: str = ""
) -> Thread:
    """A validated resident writes to the town hall of ``commune`` (its shared inbox)."""
    if not can_write_to_town_hall(author, commune):
        raise PermissionDenied(_("Only the residents validated by the town hall can write to it."))
    subject = _clean_text(subject, field="subject", max_length=SUBJECT_MAX_LENGTH, required=False)
    body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH, required=True)
    verdict = _check_rate(author, new_thread=True, body=body)
    now = timezone.now()
    thread = Thread.objects.create(
        subject=subject, commune=commune, created_by=author, created_at=now, last_message_at=now
    )
    Participant.objects.bulk_create(
        [
            Participant(thread=thread, user=None, joined_at=now, last_message_at=now),
            Participant(
                thread=thread, user=author, joined_at=now, last_message_at=now, last_read_at=now
            ),
        ]
    )
    message, notified = _post(thread, author=author, body=body, now=now, verdict=verdict)
    thread.held = verdict.held  # type: ignore[attr-defined]  # for the caller's message
    if not verdict.held:
        transaction.on_commit(
            lambda: notify.message_written(message, recipient_ids=notified, to_staff=True)
        )
    return thread


def _signature(by: User, commune: Commune) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return staff_role_label(by, commune)


@transaction.atomic
def town_hall_thread_open(
    *, by: User, commune: Commune, resident: User | None, body: str, subject: str = ""
) -> Thread:
    """Staff open a thread with a validated resident of their commune, as the town hall."""
    if not answers_for_town_hall(by, commune):
        raise PermissionDenied(_("Only the town hall's staff can write as the town hall."))
    if resident is None or not residents_of(commune).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": [_("Choose a resident validated by the town hall.")]})
    subject = _clean_text(subject, field="subject", max_length=SUBJECT_MAX_LENGTH, required=False)
    body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH, required=True)
    _check_rate(by, new_thread=True, trusted=True)
    now = timezone.now()
    thread = Thread.objects.create(
        subject=subject, commune=commune, created_by=by, created_at=now, last_message_at=now
    )
    Participant.objects.bulk_create(
        [
            Participant(
                thread=thread, user=None, joined_at=now, last_message_at=now, last_read_at=now
            ),
            Participant(thread=thread, user=resident, joined_at=now, last_message_at=now),
        ]
    )
    message, notified = _post(
        thread,
        author=by,
        body=body,
        as_town_hall=True,
        signed_role=_signature(by, commune),
        now=now,
    )
    transaction.on_commit(
        lambda: notify.message_written(message, recipient_ids=notified, to_staff=False)
    )
    return thread


def _referent_label(by: User, commune: Commune) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return referent_contact_label(by, commune)


def _real_names(ids: Iterable[int]) -> str:
    """People a staff member wrote to as référents: named as the staff saw them (their name)."""
    people = get_user_model().objects.filter(pk__in=list(ids))
    return ", ".join(
        sorted(
            str(build_card(person, frozenset({Relation.COMMUNE_STAFF})).display_name)
            for person in people
        )
    )


def cannot_contact_referents(commune: Commune) -> str:
    return _(
        "Only the partner town hall and the police of %(commune)s can write to the "
        "référents of its communities."
    ) % {"commune": commune.name}


def not_a_referent(commune: Commune) -> str:
    return _("Choose a référent of a community of %(commune)s.") % {"commune": commune.name}


@transaction.atomic
def referent_thread_open(
    *, by: User, commune: Commune, referent: User | None, body: str, subject: str = ""
) -> Thread:
    """A partner town hall's staff member (``contact_referents``: police, mayor) writes to a
    référent of a community of ``commune`` (COM-2), in their own name with their role.

    The thread is between the two people (``commune`` empty: it is nobody's shared inbox);
    ``referents_commune`` records why they reach each other, for the later messages."""
    if not can_contact_referents(by, commune):
        raise PermissionDenied(cannot_contact_referents(commune))
    if (
        referent is None
        or referent.pk == by.pk
        or not referents_of_commune(commune).filter(pk=referent.pk).exists()
    ):
        raise ValidationError({"referent": [not_a_referent(commune)]})
    if Block.objects.filter(
        Q(blocker=referent, blocked=by) | Q(blocker=by, blocked=referent)
    ).exists():
        raise ValidationError({"referent": [_("This person no longer receives your messages.")]})
    subject = _clean_text(subject, field="subject", max_length=SUBJECT_MAX_LENGTH, required=False)
    body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH, required=True)
    _check_rate(by, new_thread=True, trusted=True)
    label = _referent_label(by, commune)
    now = timezone.now()
    thread = Thread.objects.create(
        subject=subject,
        referents_commune=commune,
        staff_label=label,
        created_by=by,
        created_at=now,
        last_message_at=now,
    )
    Participant.objects.bulk_create(
        [
            Participant(
                thread=thread, user=by, joined_at=now, last_message_at=now, last_read_at=now
            ),
            Participant(thread=thread, user=referent, joined_at=now, last_message_at=now),
        ]
    )
    message, notified = _post(thread, author=by, body=body, signed_role=label, now=now)
    transaction.on_commit(
        lambda: notify.message_written(message, recipient_ids=notified, to_staff=False)
    )
    return thread


def _check_referent_pair(thread: Thread, author: User, others: set[int]) -> str:
    """A thread of a partner town hall's staff member with a référent: the relation must
    still hold for a new message. Returns the signature of the author ("" for the référent)."""
    commune = thread.referents_commune
    assert commune is not None
    staff_id = thread.created_by_id
    if author.pk == staff_id:
        if not can_contact_referents(author, commune):
            raise PermissionDenied(
                _(
                    "You can no longer write to the référents of %(commune)s: this "
                    "conversation stays readable, but you cannot write in it any more."
                )
                % {"commune": commune.name}
            )
        still = set(
            referents_of_commune(commune).filter(pk__in=others).values_list("pk", flat=True)
        )
        gone = others - still
        if gone:
            raise PermissionDenied(
                _(
                    "%(names)s is no longer a référent in %(commune)s: this conversation "
                    "stays readable, but you cannot write in it any more."
                )
                % {"names": _real_names(gone), "commune": commune.name}
            )
        return _referent_label(author, commune)
    if not is_referent_of_commune(author, commune):
        raise PermissionDenied(
            _(
                "You are no longer a référent in %(commune)s: this conversation stays "
                "readable, but you cannot write in it any more."
            )
            % {"commune": commune.name}
        )
    staff = get_user_model().objects.filter(pk=staff_id).first() if staff_id else None
    if staff is None or staff_id not in others or not can_contact_referents(staff, commune):
        name = (
            build_card(staff, frozenset({Relation.COMMUNE_STAFF})).display_name
            if staff is not None
            else former_member_card().display_name
        )
        raise PermissionDenied(
            _(
                "%(names)s no longer speaks for %(commune)s: this conversation stays "
                "readable, but you cannot write in it any more."
            )
            % {"names": name, "commune": commune.name}
        )
    return ""


@transaction.atomic
def message_send(*, thread: Thread, author: User, body: str) -> Message:
    """A participant answers in ``thread`` (their own name, never as the town hall; a
    staff member writing to a référent signs with their role)."""
    me = Participant.objects.filter(thread=thread, user=author, left_at__isnull=True).first()
    if me is None:
        raise PermissionDenied(_("You are not in this conversation."))
    body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH, required=True)
    signed_role = ""
    if thread.referents_commune_id is not None:
        others = set(
            Participant.objects.filter(thread=thread, left_at__isnull=True, user__isnull=False)
            .exclude(user=author)
            .values_list("user_id", flat=True)
        )
        if not others:
            raise PermissionDenied(_("Nobody else is left in this conversation."))
        signed_role = _check_referent_pair(thread, author, others)
        blockers = set(
            Block.objects.filter(blocker_id__in=others, blocked=author).values_list(
                "blocker_id", flat=True
            )
        )
        if others <= blockers:
            raise PermissionDenied(_("This person no longer receives your messages."))
    elif thread.commune_id is not None:
        assert thread.commune is not None
        if not can_write_to_town_hall(author, thread.commune):
            raise PermissionDenied(
                _(
                    "You no longer follow %(commune)s as a validated resident: this "
                    "conversation stays readable, but you cannot write in it any more."
                )
                % {"commune": thread.commune.name}
            )
    else:
        others = set(
            Participant.objects.filter(thread=thread, left_at__isnull=True, user__isnull=False)
            .exclude(user=author)
            .values_list("user_id", flat=True)
        )
        reachable = set(reachable_people(author).filter(pk__in=others).values_list("pk", flat=True))
        gone = others - reachable
        if gone:
            raise PermissionDenied(
                ngettext(
                    "%(names)s can no longer be reached (no longer in your community or a "
                    "twinned one): this conversation stays readable, start a new one with "
                    "the others.",
                    "%(names)s can no longer be reached (no longer in your community or a "
                    "twinned one): this conversation stays readable, start a new one with "
                    "the others.",
                    len(gone),
                )
                % {"names": _former_correspondents(gone)}
            )
        blockers = set(
            Block.objects.filter(blocker_id__in=others, blocked=author).values_list(
                "blocker_id", flat=True
            )
        )
        if others and others <= blockers:
            raise PermissionDenied(_("This person no longer receives your messages."))
        if not others:
            raise PermissionDenied(_("Nobody else is left in this conversation."))
    # The staff member's side of a thread with a référent is trusted, like the town hall's.
    verdict = _check_rate(author, new_thread=False, body=body, trusted=bool(signed_role))
    message, notified = _post(
        thread, author=author, body=body, signed_role=signed_role, verdict=verdict
    )
    if not verdict.held:
        transaction.on_commit(
            lambda: notify.message_written(
                message, recipient_ids=notified, to_staff=thread.commune_id is not None
            )
        )
    return message


@transaction.atomic
def town_hall_reply(*, thread: Thread, by: User, body: str) -> Message:
    """A staff member answers in a thread of their town hall, signed "Mairie de …"."""
    commune = thread.commune
    if commune is None or not answers_for_town_hall(by, commune):
        raise PermissionDenied(_("Only the town hall's staff can write as the town hall."))
    body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH, required=True)
    resident_ids = list(
        Participant.objects.filter(
            thread=thread, user__isnull=False, left_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    reachable = set(residents_of(commune).filter(pk__in=resident_ids).values_list("pk", flat=True))
    gone = set(resident_ids) - reachable
    if gone or not resident_ids:
        raise PermissionDenied(
            _(
                "%(names)s no longer follows the commune as a validated resident: the "
                "conversation stays readable, but the town hall cannot write in it any more."
            )
            % {"names": _former_correspondents(gone) or _("The resident")}
        )
    _check_rate(by, new_thread=False, trusted=True)
    message, notified = _post(
        thread, author=by, body=body, as_town_hall=True, signed_role=_signature(by, commune)
    )
    transaction.on_commit(
        lambda: notify.message_written(message, recipient_ids=notified, to_staff=False)
    )
    return message


def mark_read(*, participant: Participant, now: datetime | None = None) -> datetime | None:
    """The side ``participant`` read the thread; returns when they read it before."""
    now = now or timezone.now()
    previous = participant.last_read_at
    Participant.objects.filter(pk=participant.pk).update(last_read_at=now)
    participant.last_read_at = now
    return previous


@transaction.atomic
def block(*, blocker: User, blocked: User) -> Block:
    if blocked is None or blocked.pk == blocker.pk:
        raise ValidationError({"user": [_("Choose someone else.")]})
    row, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    return row


@transaction.atomic
def unblock(*, blocker: User, blocked_id: int) -> bool:
    deleted, _detail = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    return bool(deleted)


def leave_all(*, user_id: int) -> int:
    """An account closed: the person leaves every thread (their messages stay)."""
    return Participant.objects.filter(user_id=user_id, left_at__isnull=True).update(
        left_at=timezone.now()
    )


# --- refusals the API words before calling a service ---------------------------------


def choose_recipients_or_commune() -> str:
    return _("Choose the people to write to, or a town hall (not both).")


def unknown_commune() -> str:
    return _("This commune does not exist.")


def unreachable_ids(ids: Iterable[int]) -> str:
    return _("You cannot write to these people: %(ids)s.") % {
        "ids": ", ".join(str(pk) for pk in ids)
    }


def cannot_block() -> str:
    return _("You can block only people you write to or who write to you.")
