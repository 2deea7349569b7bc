import functools

from messaging.selectors import header_counts


def messages_unread(request):
    """``unread_messages`` for the header, with ``unread_notifications`` in the same query.

    Listed after ``notifications.context_processors.notifications`` in the settings, it
    answers both counts the header shows in one query (``selectors.header_counts``), so
    adding the messages' badge costs no query; like the notifications' processor, nothing
    is counted unless a template shows a count.
    """

    @functools.cache
    def counts() -> tuple[int, int]:
        return header_counts(getattr(request, "user", None))

    def unread_notifications() -> int:
        return counts()[0]

    def unread_messages() -> int:
        return counts()[1]

    return {"unread_notifications": unread_notifications, "unread_messages": unread_messages}
