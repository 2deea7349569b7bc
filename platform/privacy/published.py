"""What a person chose to publish about themselves on one thing they wrote.

The matrix (``privacy.matrix``) says what a viewer may see of a person by default: a
resident's e-mail never, their phones only within their community. On a piece of
content they author (a classified, for instance) a person may choose to show their own
phone numbers and/or e-mail address to whoever may read that content. Nothing is
shown unless they chose it, and nothing once the account is closed. Numbers and the
address are read from the account each time, so a changed number shows at once.

    contact = published_contact(classified.author, phone=classified.show_phone,
                                email=classified.show_email)
"""

from __future__ import annotations

from dataclasses import dataclass

from core.access import is_open_account


@dataclass(frozen=True)
class PublishedContact:
    """Phones in E.164 and the e-mail address the person published; ``None`` when not."""

    mobile: str | None = None
    landline: str | None = None
    email: str | None = None

    def __bool__(self) -> bool:
        return bool(self.mobile or self.landline or self.email)


def published_contact(person, *, phone: bool, email: bool) -> PublishedContact:
    if not is_open_account(person):
        return PublishedContact()
    return PublishedContact(
        mobile=(person.mobile or None) if phone else None,
        landline=(person.landline or None) if phone else None,
        email=(person.email or None) if email else None,
    )
