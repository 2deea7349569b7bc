from communes.permissions import request_sees_resident_content
from tests.example_module.models import Book
from tests.example_module.selectors import books_in_box


def home_panel(sender, request=None, **kwargs):
    """The last three books on the commune's home page, for its validated residents."""
    if request is None or not request_sees_resident_content(request, sender):
        return None
    return (40, "bookbox/home_panel.html", {"books": books_in_box(commune=sender)[:3]})


def personal_data(user):
    """GDPR access: the books the person left, in every commune."""
    books = Book.objects.filter(author=user).select_related("commune").order_by("left_at", "pk")
    entries = [
        {"commune": book.commune.slug, "title": book.title, "left_at": book.left_at}
        for book in books
    ]
    return entries or None  # None: no section for someone who never left a book
