import functools

from messaging.selectors import unread_count


def messages_unread(request):
    """``unread_messages`` for the header: counted once, and only if a template shows it."""

    @functools.cache
    def unread_messages() -> int:
        return unread_count(getattr(request, "user", None))

    return {"unread_messages": unread_messages}
