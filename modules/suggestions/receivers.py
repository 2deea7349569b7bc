"""Receivers of the core's extension points (declared in apps.py).

``personal_data`` answers for every commune, the module on or off (GDPR access, ACC-13);
``close`` runs inside the account closure's transaction (ACC-12).
"""

from __future__ import annotations

from typing import Any

from modules.suggestions.models import Follower, Suggestion, Vote


def personal_data(user) -> dict[str, Any] | None:
    """The person's suggestions (with the town hall's decision), their votes (side and the
    id of their comment, which conversations' own section lists) and what they follow;
    no section (None) for someone with none of them."""
    suggestions = list(
        Suggestion.objects.filter(author=user)
        .select_related("commune", "category")
        .order_by("created_at", "pk")
    )
    votes = list(
        Vote.objects.filter(user=user)
        .select_related("suggestion__commune")
        .order_by("created_at", "pk")
    )
    follows = list(
        Follower.objects.filter(user=user)
        .select_related("suggestion__commune")
        .order_by("suggestion_id", "pk")
    )
    if not suggestions and not votes and not follows:
        return None
    return {
        "suggestions": [
            {
                "id": suggestion.pk,
                "commune": suggestion.commune.slug,
                "category": suggestion.category.name,
                "title": suggestion.title,
                "description": suggestion.description,
                "has_photo": bool(suggestion.photo),
                "status": suggestion.status,
                "refusal_reason": suggestion.refusal_reason,
                "proposed_at": suggestion.created_at,
                "decided_at": suggestion.decided_at,
                "published_at": suggestion.published_at,
                "hidden_at": suggestion.hidden_at,
            }
            for suggestion in suggestions
        ],
        "votes": [
            {
                "suggestion": vote.suggestion_id,
                "suggestion_title": vote.suggestion.title,
                "commune": vote.suggestion.commune.slug,
                "in_favour": vote.in_favour,
                "comment": vote.comment_id,
                "voted_at": vote.created_at,
                "changed_at": vote.updated_at,
            }
            for vote in votes
        ],
        "follows": [
            {
                "suggestion": follow.suggestion_id,
                "suggestion_title": follow.suggestion.title,
                "commune": follow.suggestion.commune.slug,
            }
            for follow in follows
        ],
    }


def close(user_id: int) -> None:
    """A closed account follows nothing; its suggestions and votes stay (the totals hold)
    and show as "Ancien membre"."""
    Follower.objects.filter(user_id=user_id).delete()
