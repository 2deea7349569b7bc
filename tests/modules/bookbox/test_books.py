"""The example module's own rule: a book left 60 days ago counts as taken."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communes.services import module_set_enabled
from notifications.models import Notification
from tests.example_module.models import Book
from tests.example_module.services import book_leave, books_clear
from tests.follows import root

pytestmark = pytest.mark.django_db


def test_old_books_are_cleared_and_their_author_told(commune, resident):
    module_set_enabled(by=root(), commune=commune, module="bookbox", enabled=True)
    book = book_leave(commune=commune, author=resident, title="Les Misérables")
    assert books_clear(now=timezone.now() + timedelta(days=59)) == 0
    assert books_clear(now=timezone.now() + timedelta(days=61)) == 1
    book.refresh_from_db()
    assert book.taken_at is not None
    assert Notification.objects.filter(recipient=resident, event__kind="bookbox.taken").count() == 1


def test_nothing_is_cleared_where_the_module_is_off(commune, resident):
    book_leave(commune=commune, author=resident, title="Germinal")  # off by default
    assert books_clear(now=timezone.now() + timedelta(days=61)) == 0
    assert Book.objects.get().taken_at is None
