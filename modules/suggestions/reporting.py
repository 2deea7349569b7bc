"""What moderation reads of suggestions: the suggestion itself ("suggestions.suggestion")
and, for conversations' comments, who sees the comments of a suggestion."""

from __future__ import annotations

from django.urls import reverse

from conversations.reporting import ReportingRules, register_target
from modules.suggestions.selectors import can_see as _can_see


def can_see(user, suggestion) -> bool:
    """Who sees it, as if moderation had not hidden it (the reporter, its author, the town
    hall's managers)."""
    return _can_see(user, suggestion, include_hidden=True)


def link(suggestion) -> str:
    return reverse("suggestions:detail", args=[suggestion.pk])


def _can_read_comments(user, suggestion, _commune) -> bool:
    return _can_see(user, suggestion, include_hidden=True) and suggestion.is_public


def _comment_link(comment, suggestion) -> str:
    return f"{link(suggestion)}#comment-{comment.pk}"


def register() -> None:
    """Comments are conversations' comments: their readers see them, the town hall moderates."""
    register_target(
        "suggestions.suggestion",
        ReportingRules(can_see=_can_read_comments, town_hall=True, link=_comment_link),
    )
