"""Abuse control for what people write (CNT-5): one place for per-account write limits.

Every writer (a comment, a gazette post, a private message, a classified; group posts
are comments) asks :func:`check` before saving, with a queryset of the person's own
items of that action: the counts are read in the database, so they hold across
processes and in tests. Three rules:

* **rate**: at most ``per_hour`` items of an action in the last hour, fewer for an
  account younger than ``ABUSE_NEW_ACCOUNT_DAYS`` (its ``date_joined``). Limits come from
  ``ABUSE_LIMITS = {"comment": (per_hour, per_hour_new), …}`` (defaults below; 0 turns
  a limit off). Beyond: :class:`RateLimited`, a PermissionDenied carrying
  ``retry_after`` seconds and a French sentence with the wait. The site shows it as a
  form error (``core.forms.service_errors``), the API answers 429 with ``Retry-After``
  (``api.exceptions``);
* **links**: a young account writes at most ``ABUSE_NEW_ACCOUNT_MAX_LINKS`` links in a
  text (``http(s)://``, ``www.``, bare domains): a ValidationError on the text's field;
* **repeated text**: the same text (normalised: case, accents, punctuation and spaces
  ignored) written ``ABUSE_REPEAT_THRESHOLD`` times within an hour is *held*: the
  :class:`Verdict` says so, the writer saves the item hidden (``hidden_at``) and calls
  :func:`hold`, which sends ``core.signals.content_held`` after the commit (moderation
  opens a case); the person is told it waits for review (:func:`tell_written`).

Writes as the town hall (``trusted=True``) keep the rate limit of an established
account and skip the link and repeated-text rules: a town hall may give the same answer
to many residents. The module lives in the core app and imports nothing above it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from core.signals import content_held
from core.types import StrOrPromise

WINDOW = timedelta(hours=1)
REPEATED_TEXT = "repeated_text"

# (per hour, per hour for an account younger than ABUSE_NEW_ACCOUNT_DAYS); 0: no limit.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "comment": (60, 20),  # news comments, gazette comments, group posts
    "post": (10, 3),  # gazette posts
    "message": (60, 20),  # private messages
    "thread": (10, 5),  # new conversations of private messages
    "classified": (10, 3),
}
DEFAULT_NEW_ACCOUNT_DAYS = 7
DEFAULT_NEW_ACCOUNT_MAX_LINKS = 1
DEFAULT_REPEAT_THRESHOLD = 3
# Without a limit, the repeated-text rule still reads at most this many recent items.
UNLIMITED_READ = 200

# What a person reads when they reach the limit of an action (``count``: the limit).
REFUSALS: dict[str, StrOrPromise] = {
    "comment": ngettext_lazy(
        "You wrote %(count)s comment in the last hour, the most allowed.",
        "You wrote %(count)s comments in the last hour, the most allowed.",
        "count",
    ),
    "post": ngettext_lazy(
        "You published %(count)s post in the gazette in the last hour, the most allowed.",
        "You published %(count)s posts in the gazette in the last hour, the most allowed.",
        "count",
    ),
    "message": ngettext_lazy(
        "You sent %(count)s message in the last hour, the most allowed.",
        "You sent %(count)s messages in the last hour, the most allowed.",
        "count",
    ),
    "thread": ngettext_lazy(
        "You started %(count)s conversation in the last hour, the most allowed. "
        "Meanwhile, answer in your ongoing conversations.",
        "You started %(count)s conversations in the last hour, the most allowed. "
        "Meanwhile, answer in your ongoing conversations.",
        "count",
    ),
    "classified": ngettext_lazy(
        "You published %(count)s classified in the last hour, the most allowed.",
        "You published %(count)s classifieds in the last hour, the most allowed.",
        "count",
    ),
    # Reports to the moderators (moderation counts them with check(), per_hour its own).
    "report": ngettext_lazy(
        "You sent %(count)s report in the last hour, the most allowed.",
        "You sent %(count)s reports in the last hour, the most allowed.",
        "count",
    ),
}
GENERIC_REFUSAL = ngettext_lazy(
    "You wrote %(count)s time in the last hour, the most allowed.",
    "You wrote %(count)s times in the last hour, the most allowed.",
    "count",
)
HELD_MESSAGE = gettext_lazy(
    "You have just written the same text several times: this one waits for a moderator's "
    "review before it is shown."
)

_SCHEME_OR_WWW = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
# A bare domain ("exemple.fr", "bit.ly/x"): labels, a dot, a known top-level domain, not
# the domain of an e-mail address (after "@") nor a word glued to a full stop ("fin.Merci").
_TLDS = (
    "com|net|org|fr|ci|info|io|biz|xyz|eu|be|ch|ca|co|me|app|shop|online|site|top|ly|gl|"
    "to|tk|ru|cn|de|uk|us|tv|cc|ws|link|click|live|store|club|pro|bit|gg|sn|ml|ga|cf"
)
_BARE_DOMAIN = re.compile(
    rf"(?i)(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?![@.\w-]*@)(?:/\S*)?"
)


class RateLimited(PermissionDenied):
    """Too many items of an action this hour; ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Verdict:
    """What :func:`check` decided for an item it let through: shown, or held for review."""

    held_reason: str = ""

    @property
    def held(self) -> bool:
        return bool(self.held_reason)

    def hidden_at(self, now: datetime | None = None) -> datetime | None:
        """The ``hidden_at`` to save the item with."""
        return (now or timezone.now()) if self.held else None


SHOWN = Verdict()


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def limits(action: str) -> tuple[int, int]:
    """(per hour, per hour for a new account) of ``action``, from ``ABUSE_LIMITS``."""
    configured = getattr(settings, "ABUSE_LIMITS", {}) or {}
    per_hour, per_hour_new = configured.get(action, DEFAULT_LIMITS.get(action, (0, 0)))
    return int(per_hour), int(per_hour_new)


def is_new_account(user: Any, now: datetime | None = None) -> bool:
    """``user`` joined less than ``ABUSE_NEW_ACCOUNT_DAYS`` days ago."""
    joined = getattr(user, "date_joined", None)
    if joined is None:
        return True
    days = _setting("ABUSE_NEW_ACCOUNT_DAYS", DEFAULT_NEW_ACCOUNT_DAYS)
    return (now or timezone.now()) - joined < timedelta(days=days)


def count_links(text: str) -> int:
    """How many links ``text`` holds: ``http(s)://…``, ``www.…`` and bare domains."""
    if not text:
        return 0
    found = len(_SCHEME_OR_WWW.findall(text))
    rest = _SCHEME_OR_WWW.sub(" ", text)
    return found + len(_BARE_DOMAIN.findall(rest))


def normalise(text: str) -> str:
    """The text as compared for repetition: no case, accents, punctuation nor spacing."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"\w+", plain.casefold()))


def wait_words(seconds: int) -> str:
    """ "Try again in 12 minutes." (at least one minute)."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Try again in %(minutes)s minute.", "Try again in %(minutes)s minutes.", minutes
    ) % {"minutes": minutes}


def tally(key: str, *, window: int = 3600) -> int:
    """One more request under ``key`` in a fixed window of ``window`` seconds, counted in the
    shared cache: the count so far. For requests that write no row of their own to count
    (a password reset, an e-mail change); ``key`` must hold no personal value in clear
    (hash it with a key first)."""
    key = f"abuse:tally:{key}"
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def register_action(action: str, *, per_hour: tuple[int, int], refusal: StrOrPromise) -> None:
    """A module's own kind of writing (a suggestion): its default limits (per hour, per hour
    for a new account; ``ABUSE_LIMITS`` still overrides them) and the sentence a person
    reads at the limit (``%(count)s``: the limit). Called from the module's ``ready()``, so
    the core names no module."""
    DEFAULT_LIMITS.setdefault(action, per_hour)
    REFUSALS.setdefault(action, refusal)


def _refusal(action: str, limit: int, retry_after: int) -> str:
    sentence = REFUSALS.get(action, GENERIC_REFUSAL) % {"count": limit}
    return f"{sentence} {wait_words(retry_after)}"


def _links_refusal(allowed: int) -> str:
    if allowed <= 0:
        return _(
            "Your account is new: links are allowed after your first %(days)s days. "
            "Remove the link from your text."
        ) % {"days": _setting("ABUSE_NEW_ACCOUNT_DAYS", DEFAULT_NEW_ACCOUNT_DAYS)}
    return ngettext(
        "Your account is new: write at most %(max)s link in a text for now.",
        "Your account is new: write at most %(max)s links in a text for now.",
        allowed,
    ) % {"max": allowed}


def check_links(user: Any, text: str, *, field: str = "body", now: datetime | None = None) -> None:
    """A new account writes at most ``ABUSE_NEW_ACCOUNT_MAX_LINKS`` links in ``text``:
    ValidationError on ``field``. :func:`check` asks it; an edit asks it alone (links
    added to a text already published)."""
    if not text or not is_new_account(user, now):
        return
    allowed = _setting("ABUSE_NEW_ACCOUNT_MAX_LINKS", DEFAULT_NEW_ACCOUNT_MAX_LINKS)
    if count_links(text) > allowed:
        raise ValidationError({field: [_links_refusal(allowed)]})


def check(
    user: Any,
    action: str,
    *,
    recent: QuerySet[Any],
    created_field: str = "created_at",
    text: str = "",
    text_fields: Sequence[str] = (),
    field: str = "body",
    trusted: bool = False,
    per_hour: int | None = None,
    now: datetime | None = None,
) -> Verdict:
    """May ``user`` write one more item of ``action``? Raises or says whether to hold it.

    ``recent``: the person's own items of this action (any age; this function keeps the
    last hour by ``created_field``). ``text``: what they write now, compared with the
    ``text_fields`` of their recent items (joined with a space, in that order) for the
    repeated-text rule, and searched for links (refused on ``field``). ``per_hour``
    replaces the configured limit (both ages) when a caller keeps an older setting.

    Raises :class:`RateLimited` or ValidationError; returns a :class:`Verdict`.
    """
    now = now or timezone.now()
    new_account = not trusted and is_new_account(user, now)
    if new_account:
        check_links(user, text, field=field, now=now)
    if per_hour is None:
        per_hour_old, per_hour_new = limits(action)
        per_hour = per_hour_new if new_account else per_hour_old
    repeat = not trusted and bool(text_fields) and bool(text)
    if not per_hour and not repeat:
        return SHOWN
    # One query: the items of the last hour, oldest first (at most the limit of them).
    window = recent.filter(**{f"{created_field}__gte": now - WINDOW}).order_by(created_field)
    columns = (created_field, *text_fields) if repeat else (created_field,)
    rows = list(window.values_list(*columns)[: per_hour or UNLIMITED_READ])
    if per_hour and len(rows) >= per_hour:
        oldest = rows[0][0]
        retry_after = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
        raise RateLimited(_refusal(action, per_hour, retry_after), retry_after)
    if repeat:
        threshold = _setting("ABUSE_REPEAT_THRESHOLD", DEFAULT_REPEAT_THRESHOLD)
        mine = normalise(text)
        same = sum(1 for row in rows if normalise(" ".join(str(v or "") for v in row[1:])) == mine)
        if mine and threshold and same + 1 >= threshold:
            return Verdict(held_reason=REPEATED_TEXT)
    return SHOWN


def hold(verdict: Verdict, *, kind: str, instance: Any) -> None:
    """After the commit, tell moderation that ``instance`` (saved hidden) waits for review.

    ``kind`` is its ReportableKind key (``"conversations.comment"``…). Nothing for an
    item that was not held.
    """
    if not verdict.held:
        return
    reason = verdict.held_reason
    transaction.on_commit(
        lambda: content_held.send(
            sender=type(instance), kind=kind, instance=instance, reason=reason
        )
    )


def is_held(item: Any) -> bool:
    """The item was saved hidden (held for review, or hidden by moderation); a writer that
    returns something else (a thread) sets ``held`` on it."""
    held = getattr(item, "held", None)
    if held is not None:
        return bool(held)
    return getattr(item, "hidden_at", None) is not None


def tell_written(request: Any, item: Any, published: StrOrPromise) -> None:
    """The flash message after writing ``item``: ``published``, or that it waits for review."""
    if is_held(item):
        messages.warning(request, str(HELD_MESSAGE))
    else:
        messages.success(request, str(published))
