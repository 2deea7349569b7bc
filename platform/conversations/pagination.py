"""One cursor pagination of top comments for the site and the API (newest first)."""

from core.api_pagination import CursorPagination


class CommentCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-created_at", "-id")
    cursor_query_param = "cursor"
