"""Notifications of discussion groups, through the engine (rubric "groups", CNT-4).

* ``groups.post``: a new post or reply, to the group's subscribed members;
* ``groups.join_request``: someone asks to join an on-request group, to the town hall's
  staff who publish (rubric "requests": something to decide);
* ``groups.membership``: the town hall's decision, to the person who asked.

E-mails never quote a post: the group is for the commune's residents, e-mails get
forwarded.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from modules.groups.selectors import group_managers, subscribers
from notifications.fanout import publish


def group_path(group) -> str:
    return f"/groupes/{group.pk}/"


def post_written(post, group) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("New message in the group “%(title)s”") % {"title": group.title}
    publish(
        "groups.post",
        audience=subscribers(group),
        title=title,
        url=f"{group_path(group)}#comment-{post.pk}",
        commune=group.commune,
        actor=post.author,
        data={"group_title": group.title, "as_town_hall": post.as_town_hall},
        dedupe_key=f"groups.post:{post.pk}",
    )


def join_requested(member) -> None:
    group = member.group
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A resident asks to join the group “%(title)s”") % {"title": group.title}
    publish(
        "groups.join_request",
        audience=group_managers(group.commune),
        title=title,
        url=f"{group_path(group)}",
        commune=group.commune,
        actor=member.user,
        data={"group_title": group.title},
        dedupe_key=f"groups.join_request:{member.pk}:{member.created_at.timestamp()}",
    )


def membership_decided(member, group) -> None:
    accepted = member.status == member.Status.ACCEPTED
    with translation.override(settings.LANGUAGE_CODE):
        if accepted:
            title = _("You are now a member of the group “%(title)s”") % {"title": group.title}
        else:
            title = _("The town hall did not accept your request to join “%(title)s”") % {
                "title": group.title
            }
    publish(
        "groups.membership",
        audience=get_user_model().objects.filter(pk=member.user_id),
        title=title,
        url=group_path(group),
        commune=group.commune,
        actor=member.decided_by,
        data={"group_title": group.title, "accepted": accepted},
        dedupe_key=f"groups.membership:{member.pk}:{member.decided_at.timestamp()}",
    )
