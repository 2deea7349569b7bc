"""The notifications of conversations, published through the engine (notifications.fanout).

* ``comments.reply`` (rubric "comments"): the people in a thread when someone answers;
* ``comments.new_on_news`` (rubric "news_comments"): the commune's staff who publish,
  when a news item gets a comment (not the town hall's own answers).

E-mails are worded by ``notifications/email/kinds/comments.*``; they never quote the
comment (e-mails get forwarded; the thread is for the commune's residents).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from communes.roles import PUBLISH_CONTENT
from communes.selectors import holders_of_permission
from conversations.selectors import thread_participants
from notifications.fanout import publish


def comment_path(comment, target) -> str:
    return f"{target.relative_url(comment.commune.site)}#comment-{comment.pk}"


def comment_written(comment, target) -> None:
    commune = comment.commune
    url = comment_path(comment, target)
    data = {"page_title": target.title, "as_town_hall": comment.as_town_hall}
    with translation.override(settings.LANGUAGE_CODE):
        reply_title = _("New answer in a conversation on “%(title)s”") % {"title": target.title}
        news_title = _("New comment on “%(title)s”") % {"title": target.title}
    if comment.parent_id is not None:
        publish(
            "comments.reply",
            audience=thread_participants(comment.parent),
            title=reply_title,
            url=url,
            commune=commune,
            actor=comment.author,
            data=data,
            dedupe_key=f"comments.reply:{comment.pk}",
        )
    if not comment.as_town_hall:
        staff = holders_of_permission(commune, PUBLISH_CONTENT)
        if comment.parent_id is not None:  # those in the thread have their own notice
            staff = staff.exclude(pk__in=thread_participants(comment.parent).values("pk"))
        publish(
            "comments.new_on_news",
            audience=staff,
            title=news_title,
            url=url,
            commune=commune,
            actor=comment.author,
            data=data,
            dedupe_key=f"comments.new_on_news:{comment.pk}",
        )
