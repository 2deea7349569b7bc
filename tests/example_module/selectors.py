from django.shortcuts import get_object_or_404

from communes.selectors import communes_of_staff
from core.admin_scope import CommuneScope
from tests.example_module.models import Book

# The admin's scope: the host's commune, or the communes with the module on; staff who are
# not superusers see the communes they serve only.
STAFF_SCOPE = CommuneScope(staff_communes=communes_of_staff, module_label="bookbox")


def books_in_box(*, commune):
    """The books still in the commune's box, newest first."""
    return Book.objects.filter(commune=commune, taken_at__isnull=True)


def access_book(*, commune, pk: int) -> Book:
    """One book of the box (404 when missing or of another commune)."""
    return get_object_or_404(books_in_box(commune=commune), pk=pk)


def can_see_book(user, book: Book) -> bool:
    """Moderation's check (ReportableKind "bookbox.book"): the commune's residents."""
    from communes.selectors import sees_resident_content

    return sees_resident_content(user, book.commune)
