"""Cursor pagination of the groups list (pinned first, newest first).

DRF places the cursor on the first ordering field and counts ties with an offset: with
``pinned`` first that offset runs over the groups of one pin state, fine for the tens
of groups a town hall opens (DRF caps it at 1,000). Posts use conversations'
``CommentCursorPagination`` on the comment index.
"""

from core.api_pagination import CursorPagination


class GroupCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-pinned", "-created_at", "-id")
    cursor_query_param = "cursor"


class RequestCursorPagination(CursorPagination):
    """Requests to join, oldest first (the one waiting longest on top)."""

    page_size = 50
    ordering = ("created_at", "id")
    cursor_query_param = "cursor"
