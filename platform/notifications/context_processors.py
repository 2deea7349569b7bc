import functools

from notifications.selectors import unread_count


def notifications(request):
    """``unread_notifications`` for the header, counted once and only if a template shows it.

    Templates call a callable variable: a page that never shows the count costs no query.
    """

    @functools.cache
    def unread_notifications() -> int:
        return unread_count(getattr(request, "user", None))

    return {"unread_notifications": unread_notifications}
