from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.modules import registry
from notifications.fanout import publish
from tests.example_module.models import Book

BOOK_DAYS = 60  # a book left longer than this was surely taken


def book_leave(*, commune, author, title: str) -> Book:
    return Book.objects.create(commune=commune, author=author, title=title)


@transaction.atomic
def books_clear(*, now=None) -> int:
    """Books older than BOOK_DAYS count as taken; their authors are told."""
    now = now or timezone.now()
    old = Book.objects.filter(
        taken_at__isnull=True,
        left_at__lt=now - timedelta(days=BOOK_DAYS),
        commune__in=registry.enabled_communes("bookbox").values("pk"),
    ).select_related("commune")
    books = list(old)
    for book in books:
        if book.author_id:
            publish(
                "bookbox.taken",
                audience=get_user_model().objects.filter(pk=book.author_id),
                title=book.title,
                commune=book.commune,
            )
    return old.update(taken_at=now)
