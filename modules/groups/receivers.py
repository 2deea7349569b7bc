"""Receivers of the core's extension points (declared in apps.py).

``personal_data`` answers for every commune, the module on or off (GDPR access, ACC-13);
``close`` runs inside the account closure's transaction (ACC-12).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from conversations.models import Comment, CommentRevision
from modules.groups.models import Group, GroupMember


def personal_data(user) -> dict[str, Any] | None:
    """The person's groups (joined or asked) and every post and reply they wrote in one,
    with the earlier versions of its text; no section (None) for someone with neither, as
    conversations does."""
    memberships = list(
        GroupMember.objects.filter(user=user)
        .select_related("group__commune")
        .order_by("created_at", "pk")
    )
    posts = list(
        Comment.objects.filter(author=user, target_type=ContentType.objects.get_for_model(Group))
        .select_related("commune")
        .order_by("created_at", "pk")
    )
    if not memberships and not posts:
        return None
    titles = dict(
        Group.objects.filter(pk__in={post.target_id for post in posts}).values_list("pk", "title")
    )
    revisions: dict[int, list[dict]] = {}
    for revision in CommentRevision.objects.filter(comment__in=posts).order_by("replaced_at", "pk"):
        revisions.setdefault(revision.comment_id, []).append(
            {
                "body": revision.body,
                "written_at": revision.written_at,
                "replaced_at": revision.replaced_at,
            }
        )
    return {
        "memberships": [
            {
                "group": member.group_id,
                "group_title": member.group.title,
                "commune": member.group.commune.slug,
                "status": member.status,
                "subscribed": member.subscribed,
                "asked_at": member.created_at,
                "decided_at": member.decided_at,
            }
            for member in memberships
        ],
        "posts": [
            {
                "id": post.pk,
                "group": post.target_id,
                "group_title": titles.get(post.target_id, ""),
                "commune": post.commune.slug,
                "in_reply_to": post.parent_id,
                "as_town_hall": post.as_town_hall,
                "body": post.body,
                "created_at": post.created_at,
                "edited_at": post.edited_at,
                "hidden_at": post.hidden_at,
                "earlier_versions": revisions.get(post.pk, []),
            }
            for post in posts
        ],
    }


def close(user_id: int) -> None:
    """A closed account leaves its groups (no notices, no pending request); its posts stay
    and show as "Ancien membre"."""
    GroupMember.objects.filter(user_id=user_id).delete()
