"""Contract pieces of conversations: the GDPR export (ACC-13).

Account closure (ACC-12) needs no receiver: comments stay, ``author`` still points to
the anonymised account, and the privacy matrix shows it as "Ancien membre".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conversations.models import Comment, CommentRevision

if TYPE_CHECKING:
    from accounts.models import User


def personal_data(sender: object, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]] | None:
    """Every comment ``user`` wrote, with the earlier versions of its text."""
    comments = list(
        Comment.objects.filter(author=user)
        .select_related("target_type")
        .order_by("created_at", "pk")
    )
    if not comments:
        return None
    revisions: dict[int, list[dict]] = {}
    for revision in CommentRevision.objects.filter(comment__in=comments).order_by(
        "replaced_at", "pk"
    ):
        revisions.setdefault(revision.comment_id, []).append(
            {
                "body": revision.body,
                "written_at": revision.written_at,
                "replaced_at": revision.replaced_at,
            }
        )
    return (
        "conversations",
        {
            "comments": [
                {
                    "id": comment.pk,
                    "commune": comment.commune_id,
                    "on": f"{comment.target_type.app_label}.{comment.target_type.model}",
                    "target_id": comment.target_id,
                    "in_reply_to": comment.parent_id,
                    "as_town_hall": comment.as_town_hall,
                    "body": comment.body,
                    "created_at": comment.created_at,
                    "edited_at": comment.edited_at,
                    "hidden_at": comment.hidden_at,
                    "earlier_versions": revisions.get(comment.pk, []),
                }
                for comment in comments
            ]
        },
    )
