from tests.example_module.services import books_clear


def clear_old_books() -> int:
    return books_clear()
