"""A page of a comment thread as one viewer reads it: top comments with their replies,
authors through the privacy matrix, and what is new since the viewer's previous visit.

The same few queries whatever the number of comments: the page of top comments, their
replies, the authors' cards, the read marker.
"""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.request import Request

from accounts.selectors import is_open_account
from conversations.pagination import CommentCursorPagination
from conversations.selectors import mark_new, replies_of, top_comments
from conversations.services import mark_seen
from privacy.matrix import attach_cards


@dataclass
class ThreadPage:
    comments: list
    next_link: str | None
    previous_link: str | None
    new_count: int


def attach_replies(viewer, comments: list, *, include_hidden: bool = False) -> list:
    """Set ``thread_replies`` on each top comment; cards on all of them (one query)."""
    replies = list(replies_of([comment.pk for comment in comments], include_hidden=include_hidden))
    attach_cards(viewer, [*comments, *replies], "author", public_author=True)
    by_parent: dict[int | None, list] = {}
    for reply in replies:
        by_parent.setdefault(reply.parent_id, []).append(reply)
    for comment in comments:
        comment.thread_replies = by_parent.get(comment.pk, [])
    return replies


def attach_thread(viewer, comment) -> None:
    """A comment just written or changed, as the APIs return it (news, gazette, groups):
    its author's card as in the thread and, for a top comment, its replies."""
    comment.thread_replies = []
    if comment.parent_id is None:
        attach_replies(viewer, [comment])
    else:
        attach_cards(viewer, [comment], "author", public_author=True)


def read_thread(request, target, *, mark: bool = True, include_hidden: bool = True) -> ThreadPage:
    """The page of ``target``'s thread the request asks for (``?cursor=``). The site's
    pages keep hidden comments in place (``include_hidden``: the template shows
    "Contenu masqué par la modération" to everyone but their author and the moderators)."""
    viewer = request.user
    paginator = CommentCursorPagination()
    drf_request = request if isinstance(request, Request) else Request(request)
    queryset = top_comments(target, include_hidden=include_hidden)
    comments = list(paginator.paginate_queryset(queryset, drf_request) or [])
    replies = attach_replies(viewer, comments, include_hidden=include_hidden)
    since = None
    if mark and is_open_account(viewer):
        since = mark_seen(user=viewer, target=target)
    new_count = mark_new([*comments, *replies], viewer=viewer, since=since)
    return ThreadPage(
        comments=comments,
        next_link=paginator.get_next_link(),
        previous_link=paginator.get_previous_link(),
        new_count=new_count,
    )
