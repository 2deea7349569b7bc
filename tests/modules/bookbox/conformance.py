"""Objects for the registry-wide conformance test (tests/platform/core)."""

from tests.example_module.services import book_leave


def make(world) -> dict:
    """A book the member left in Saint-Malo's box (cleared by the task after 60 days)."""
    book = book_leave(commune=world.commune, author=world.member, title="Les Misérables")
    return {"pk": book.pk, "book_id": book.pk}
