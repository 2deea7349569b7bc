"""Contract pieces of the gazette: the GDPR export (ACC-13).

Account closure (ACC-12) needs no receiver: posts stay, ``author`` still points to the
anonymised account, and the privacy matrix shows it as "Ancien membre". Comments on posts
are ``conversations.Comment`` rows, exported by conversations' own section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gazette.models import PostRevision
from gazette.selectors import author_posts

if TYPE_CHECKING:
    from accounts.models import User


def personal_data(sender: object, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]] | None:
    """Every post ``user`` wrote, with its earlier versions and its attachments' names."""
    posts = list(author_posts(user).select_related("community").prefetch_related("photos", "files"))
    if not posts:
        return None
    revisions: dict[int, list[dict[str, Any]]] = {}
    for revision in PostRevision.objects.filter(post__in=posts).order_by("replaced_at", "pk"):
        revisions.setdefault(revision.post_id, []).append(
            {
                "category": revision.category,
                "title": revision.title,
                "body": revision.body,
                "written_at": revision.written_at,
                "replaced_at": revision.replaced_at,
            }
        )
    return (
        "gazette",
        {
            "posts": [
                {
                    "id": post.pk,
                    "community": post.community.name,
                    "category": post.category,
                    "title": post.title,
                    "body": post.body,
                    "created_at": post.created_at,
                    "edited_at": post.edited_at,
                    "hidden_at": post.hidden_at,
                    "photos": len(post.photos.all()),
                    "files": [document.name for document in post.files.all()],
                    "earlier_versions": revisions.get(post.pk, []),
                }
                for post in posts
            ]
        },
    )
