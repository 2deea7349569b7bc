"""Writes on the town hall's polls (POL-1): keyword-only, atomic; the admin, the staff API
and the demo call these. Votes are ``modules.polls.ballots``'s.

Rules:

* a question (not empty), an optional explanation, 2 to 10 answers, not empty and distinct
  (compared without case nor extra spaces);
* aware ``opens_at`` and ``closes_at``, the closing after the opening and in the future
  (forms take a local date and time in the commune's time zone and make them aware);
* once someone took part (a ``Participation`` row), only the closing time still changes:
  the question and answers people voted on stay as they were;
* a closed poll no longer changes; staff may close an open poll early (:func:`poll_close`);
  the tally of its last ballots is ``modules.polls.tasks``'s.

Refusals are ``ValidationError`` on the field concerned (French-first sentences), or
``PermissionDenied`` for whoever does not manage the commune's polls.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations.services import clean_text
from modules.polls.models import (
    CHOICE_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    MAX_CHOICES,
    MIN_CHOICES,
    QUESTION_MAX_LENGTH,
    Choice,
    Participation,
    Poll,
)
from modules.polls.permissions import can_manage_polls

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

EDITABLE_FIELDS = frozenset(
    {"question", "description", "choices", "opens_at", "closes_at", "results"}
)


def _check_manager(by: User, commune: Commune) -> None:
    if not can_manage_polls(by, commune):
        raise PermissionDenied(_("Only the town hall's staff manage the polls."))


# --- cleaning ------------------------------------------------------------------------


def _question(value: object) -> str:
    return clean_text(
        value,
        field="question",
        max_length=QUESTION_MAX_LENGTH,
        empty=_("Write the question put to the residents."),
    )


def _description(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return clean_text(value, field="description", max_length=DESCRIPTION_MAX_LENGTH, empty="")


def choice_key(label: str) -> str:
    """Two answers are the same when they differ only by case or spaces."""
    return " ".join(label.split()).casefold()


def clean_choices(choices: object) -> list[str]:
    """The answers, stripped, in their order: 2 to 10, none empty, all distinct."""
    if isinstance(choices, str) or not isinstance(choices, Iterable):
        raise ValidationError({"choices": [_("Give the answers as a list.")]})
    labels: list[str] = []
    for value in choices:
        if not isinstance(value, str):
            raise ValidationError({"choices": [_("Each answer is a text.")]})
        if not value.strip():
            raise ValidationError({"choices": [_("An answer is empty: write it or remove it.")]})
        labels.append(clean_text(value, field="choices", max_length=CHOICE_MAX_LENGTH, empty=""))
    if len(labels) < MIN_CHOICES:
        raise ValidationError(
            {"choices": [_("Give at least %(min)s answers.") % {"min": MIN_CHOICES}]}
        )
    if len(labels) > MAX_CHOICES:
        raise ValidationError(
            {"choices": [_("Give at most %(max)s answers.") % {"max": MAX_CHOICES}]}
        )
    seen: set[str] = set()
    for label in labels:
        key = choice_key(label)
        if key in seen:
            raise ValidationError(
                {"choices": [_("The answer “%(label)s” is given twice.") % {"label": label}]}
            )
        seen.add(key)
    return labels


def _moment(value: object, field: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: [_("Give a date and a time.")]})
    if timezone.is_naive(value):
        raise ValidationError({field: [_("Give a date and a time with its time zone.")]})
    return value


def _results(value: object) -> str:
    if value not in Poll.Results.values:
        raise ValidationError({"results": [_("Choose when the results are shown.")]})
    return str(value)


def _check_dates(
    opens_at: datetime.datetime, closes_at: datetime.datetime, now: datetime.datetime
) -> None:
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": [_("The poll must close after it opens.")]})
    if closes_at <= now:
        raise ValidationError({"closes_at": [_("The closing time must be in the future.")]})


def _set_choices(poll: Poll, labels: list[str]) -> None:
    """The answers of a poll nobody voted in: rows kept by position, extra ones removed."""
    existing = list(Choice.objects.filter(poll=poll).order_by("position", "pk"))
    for position, label in enumerate(labels):
        if position < len(existing):
            choice = existing[position]
            if (choice.label, choice.position) != (label, position):
                choice.label, choice.position = label, position
                choice.save(update_fields=["label", "position"])
        else:
            Choice.objects.create(poll=poll, label=label, position=position)
    if len(existing) > len(labels):
        Choice.objects.filter(pk__in=[c.pk for c in existing[len(labels) :]]).delete()


def labels_of(poll: Poll) -> list[str]:
    return list(
        Choice.objects.filter(poll=poll).order_by("position", "pk").values_list("label", flat=True)
    )


# --- polls ---------------------------------------------------------------------------


@transaction.atomic
def poll_create(
    *,
    commune: Commune,
    by: User,
    question: str,
    choices: list[str],
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    results: str = Poll.Results.LIVE,
    description: str = "",
) -> Poll:
    """Publish a poll for ``commune``: open at ``opens_at`` (now or later), closed at
    ``closes_at``. The residents are told when it opens (``tasks.notify_opened``)."""
    _check_manager(by, commune)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field, clean in (
        ("question", lambda: _question(question)),
        ("description", lambda: _description(description)),
        ("choices", lambda: clean_choices(choices)),
        ("opens_at", lambda: _moment(opens_at, "opens_at")),
        ("closes_at", lambda: _moment(closes_at, "closes_at")),
        ("results", lambda: _results(results)),
    ):
        try:
            cleaned[field] = clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if "opens_at" in cleaned and "closes_at" in cleaned:
        try:
            _check_dates(cleaned["opens_at"], cleaned["closes_at"], timezone.now())
        except ValidationError as error:
            errors.setdefault("closes_at", []).extend(error.message_dict["closes_at"])
    if errors:
        raise ValidationError(errors)
    poll = Poll.objects.create(
        commune=commune,
        question=cleaned["question"],
        description=cleaned["description"],
        opens_at=cleaned["opens_at"],
        closes_at=cleaned["closes_at"],
        results=cleaned["results"],
        created_by=by,
    )
    _set_choices(poll, cleaned["choices"])
    return poll


@transaction.atomic
def poll_update(*, poll: Poll, by: User, **fields: object) -> Poll:
    """Change a poll. ``fields``: any of question, description, choices (labels in order),
    opens_at, results — while nobody took part — and closes_at, always (after now and the
    opening). A field given with its current value is no change. A closed poll no longer
    changes."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"poll_update() got unexpected fields: {', '.join(sorted(unknown))}")
    _check_manager(by, poll.commune)
    poll = Poll.objects.select_for_update().select_related("commune").get(pk=poll.pk)
    now = timezone.now()
    if poll.is_closed(now):
        raise ValidationError(_("This poll is closed: it can no longer be changed."))
    voted = Participation.objects.filter(poll=poll).exists()
    locked = _("People have already voted: only the closing time can still change.")

    changes: dict[str, object] = {}
    if "question" in fields:
        question = _question(fields["question"])
        if question != poll.question:
            changes["question"] = question
    if "description" in fields:
        description = _description(fields["description"])
        if description != poll.description:
            changes["description"] = description
    if "results" in fields:
        results = _results(fields["results"])
        if results != poll.results:
            changes["results"] = results
    opens_at = poll.opens_at
    if "opens_at" in fields:
        opens_at = _moment(fields["opens_at"], "opens_at")
        if opens_at != poll.opens_at:
            changes["opens_at"] = opens_at
    new_choices = None
    if "choices" in fields:
        labels = clean_choices(fields["choices"])
        if labels != labels_of(poll):
            new_choices = labels
    if voted:
        errors = {field: [locked] for field in changes}
        if new_choices is not None:
            errors["choices"] = [locked]
        if errors:
            raise ValidationError(errors)
    closes_at = poll.closes_at
    if "closes_at" in fields:
        closes_at = _moment(fields["closes_at"], "closes_at")
    if closes_at != poll.closes_at or "opens_at" in changes:
        _check_dates(opens_at, closes_at, now)
        changes["closes_at"] = closes_at
    if "opens_at" in changes and opens_at > now:
        # Not open any more: it will be announced when it opens.
        changes["opening_notified_at"] = None
    for field, value in changes.items():
        setattr(poll, field, value)
    if changes:
        poll.save(update_fields=list(changes))
    if new_choices is not None:
        _set_choices(poll, new_choices)
    return poll


@transaction.atomic
def poll_close(*, poll: Poll, by: User) -> Poll:
    """Close an open poll now (``closes_at`` and ``closed_early_at``): nobody votes any
    more; the last ballots are counted by the next tally (``tasks.tally_due``)."""
    _check_manager(by, poll.commune)
    poll = Poll.objects.select_for_update().select_related("commune").get(pk=poll.pk)
    now = timezone.now()
    if poll.is_closed(now):
        raise ValidationError(_("This poll is already closed."))
    if poll.opens_at >= now:
        raise ValidationError(
            _("This poll has not opened yet: change its dates instead of closing it.")
        )
    poll.closes_at = poll.closed_early_at = now
    poll.save(update_fields=["closes_at", "closed_early_at"])
    return poll
