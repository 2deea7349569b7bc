"""Polls, suggestions and reports of problems as the walks over every endpoint need them
(the schemathesis contract, the privacy walk): real objects written through the modules'
services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from modules.polls.ballots import vote
from modules.polls.services import poll_create
from modules.reports.models import Category as ProblemCategory
from modules.reports.models import Service
from modules.reports.services import follow, report_create, status_set
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


def followed_problem(commune, *, author, by, follower, photo=None, title="Un nid de poule"):
    """``author``'s report of a pothole in ``commune``, routed to its roads service,
    acknowledged by ``by`` (the town hall) with a public note, and followed by
    ``follower`` ("me too"); with a photo when one is given."""
    service, _ = Service.objects.get_or_create(commune=commune, name="Voirie")
    category, _ = ProblemCategory.objects.get_or_create(
        commune=commune, code="chaussee", defaults={"name": "Chaussée", "service": service}
    )
    report = report_create(
        commune=commune,
        author=author,
        category=category,
        title=title,
        description="Un trou profond au milieu de la chaussée.",
        address="Place Chateaubriand, Saint-Malo",
        latitude=48.6495,
        longitude=-2.0260,
        photos=[photo] if photo is not None else [],
    )
    status_set(report=report, by=by, status="acknowledged", note="Pris en compte.")
    follow(user=follower, report=report)
    return report
