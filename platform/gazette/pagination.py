"""One cursor pagination of posts for the site and the API (newest first)."""

from core.api_pagination import CursorPagination


class PostCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-created_at", "-id")
    cursor_query_param = "cursor"
