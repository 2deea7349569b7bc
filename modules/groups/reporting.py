"""What moderation reads of discussion groups: the group itself ("groups.group") and, for
conversations' comments, who sees the posts of a group."""

from __future__ import annotations

from django.urls import reverse

from conversations.reporting import ReportingRules, register_target
from modules.groups.selectors import can_read, membership_of, sees_groups


def can_see(user, group) -> bool:
    """A group's title and description: everyone who sees the commune's groups."""
    return sees_groups(user, group.commune)


def link(group) -> str:
    return reverse("groups:detail", args=[group.pk])


def _can_read_posts(user, group, _commune) -> bool:
    return can_read(user, group, member=membership_of(user, group))


def _post_link(comment, group) -> str:
    return f"{link(group)}#comment-{comment.pk}"


def register() -> None:
    """Posts are conversations' comments: their readers see them, the town hall moderates."""
    register_target(
        "groups.group", ReportingRules(can_see=_can_read_posts, town_hall=True, link=_post_link)
    )
