"""What moderation reads of the gazette (core.modules.ReportableKind "gazette.post")."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from conversations.reporting import ReportingRules, register_target
from gazette.selectors import access_post


def can_see(user, post) -> bool:
    """Members of the post's community (the only readers of its gazette)."""
    try:
        access_post(user, post.pk, community=post.community, include_hidden=True)
    except Http404:
        return False
    return True


def link(post) -> str:
    return reverse("gazette:detail", args=[post.pk])


def _comment_link(comment, post) -> str:
    return f"{link(post)}#comment-{comment.pk}"


def register() -> None:
    """Comments on posts: seen by the members, moderated by the platform only."""
    register_target(
        "gazette.post",
        ReportingRules(
            can_see=lambda user, post, _commune: can_see(user, post),
            town_hall=False,
            link=_comment_link,
        ),
    )
