"""Polls and suggestions as the walks over every endpoint need them (the schemathesis
contract, the privacy walk): real objects written through the modules' services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from modules.polls.ballots import vote
from modules.polls.services import poll_create
from modules.suggestions.categories import default_categories
from modules.suggestions.services import suggestion_propose, vote_cast
from modules.suggestions.staff import suggestion_accept


def answered_poll(commune, *, by, voter):
    """An open poll of ``commune``'s town hall (``by``) that ``voter`` answered."""
    poll = poll_create(
        commune=commune,
        by=by,
        question="Quel jour pour le marché ?",
        choices=["Samedi", "Dimanche"],
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(days=7),
    )
    vote(poll=poll, user=voter, choice_id=poll.choices.first().pk)
    return poll


def published_suggestion(commune, *, author, by, against, title="Un banc"):
    """``author``'s suggestion, published by ``by``, that ``against`` voted against with a
    comment. Returns it and its category."""
    category = default_categories(commune)[0]
    idea = suggestion_propose(
        commune=commune,
        author=author,
        category_id=category.pk,
        title=title,
        description="Place du marché.",
    )
    suggestion_accept(suggestion=idea, by=by)
    vote_cast(suggestion=idea, user=against, in_favour=False, comment="Pas la place.")
    return idea, category
