"""``{% news_comments page %}``: the comments block under a news page (CNT-1).

The news page's template (communes) loads this tag: templates may name a higher app's
tags, while communes' Python never imports conversations (docs/architecture.md).
Visitors and people whose request to follow is pending see a sentence saying the
comments are for validated residents, with the way to follow the commune.
"""

from __future__ import annotations

from django import template

from communes.selectors import follow_of
from conversations.forms import CommentForm
from conversations.selectors import (
    can_answer_as_town_hall,
    can_comment,
    can_see_comments,
    comments_on,
    is_open_to_comments,
    town_hall_name,
)
from conversations.threads import read_thread
from privacy.matrix import attach_cards

register = template.Library()


def _reply_to(request, target, comments):
    """The comment ``?reply=<id>`` names, when it is a listed comment of this page."""
    raw = request.GET.get("reply", "")
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        return None
    wanted = int(raw)
    for comment in comments:
        if comment.pk == wanted:
            return comment
        for reply in comment.thread_replies:
            if reply.pk == wanted:
                return comment
    comment = comments_on(target).filter(pk=wanted).first()  # on another page of the thread
    if comment is not None and comment.parent_id is not None:
        comment = comments_on(target).filter(pk=comment.parent_id).first()
    if comment is not None:
        attach_cards(request.user, [comment], "author", public_author=True)
    return comment


@register.inclusion_tag("conversations/news_comments.html", takes_context=True)
def news_comments(context, page):
    request = context.get("request")
    commune = getattr(request, "commune", None) if request is not None else None
    if commune is None:  # a preview in the admin, or the platform's host
        return {"shown": False}
    user = request.user
    result = {"shown": True, "page": page, "commune": commune, "request": request}
    if not can_see_comments(user, commune):
        result.update(
            readable=False,
            follow=follow_of(user, commune) if user.is_authenticated else None,
        )
        return result
    thread = read_thread(request, page)
    writable = can_comment(user, page, commune)
    form = reply_to = None
    if writable:
        reply_to = _reply_to(request, page, thread.comments)
        can_sign = can_answer_as_town_hall(user, commune)
        form = CommentForm(
            initial={"parent": reply_to.pk if reply_to else None},
            can_sign=can_sign,
            town_hall=town_hall_name(commune),
        )
    result.update(
        readable=True,
        thread=thread,
        comments=thread.comments,
        writable=writable,
        closed=not is_open_to_comments(page),
        form=form,
        reply_to=reply_to,
        town_hall=town_hall_name(commune),
        viewer_id=user.pk,
    )
    return result
