from django.shortcuts import get_object_or_404

from tests.example_module.models import Book


def books_in_box(*, commune):
    """The books still in the commune's box, newest first."""
    return Book.objects.filter(commune=commune, taken_at__isnull=True)


def access_book(*, commune, pk: int) -> Book:
    """One book of the box (404 when missing or of another commune)."""
    return get_object_or_404(books_in_box(commune=commune), pk=pk)
