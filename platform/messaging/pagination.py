"""Cursor paginations of the inbox (latest activity first) and of a thread (newest first)."""

from core.api_pagination import CursorPagination


class InboxCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-last_message_at", "-id")
    cursor_query_param = "cursor"


class MessageCursorPagination(CursorPagination):
    page_size = 30
    ordering = ("-created_at", "-id")
    cursor_query_param = "cursor"
