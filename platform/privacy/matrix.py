"""The privacy matrix (PRODUCT.md, PRIV): which fields of a person a viewer may see.

Everything that shows a person, on a page or in the API, asks here:

    cards = people_cards(viewer, User.objects.filter(...))   # one query for N people
    card = person_card(viewer, user)                           # one query
    attach_cards(viewer, classifieds, "author")               # one query for a list

A field the matrix forbids is ``None`` on the card: it never reaches a template
or a serializer, so no view can leak it by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.access import is_open_account
from privacy.relations import Relation, annotation_name, module_ranks, module_rules, providers

# What each of the core's relations shows (a module's relation declares its own:
# privacy.relations.PrivacyRelation.reveals). "name" is the real name;
# "name_or_pseudonym" shows the pseudonym when one is set, otherwise the real name;
# "phones" are shown unless the person hid them (ACC-6).
RULES: dict[str, frozenset[str]] = {
    Relation.SELF: frozenset(
        {"name", "pseudonym", "email", "phones_always", "address", "photo"}
        | {"presentation", "birth_date", "id"}
    ),
    Relation.SAME_COMMUNITY: frozenset(
        {"name_or_pseudonym", "pseudonym", "phones", "address", "photo", "presentation", "id"}
    ),
    # Town-hall staff validate the residents of their commune (ACC-10).
    Relation.COMMUNE_STAFF: frozenset({"name", "pseudonym", "address", "presentation", "id"}),
    # Support and moderation.
    Relation.PLATFORM_STAFF: frozenset({"name", "pseudonym", "photo", "presentation", "id"}),
    # Anyone else sees a pseudonym only where the person chose to appear.
    Relation.PUBLIC: frozenset(),
}

# Strength of the core's relations, strongest first: the card says which relation
# decided it. Modules' relations come at their declared rank.
_CORE_RANKS: dict[str, int] = {
    Relation.SELF: 0,
    Relation.SAME_COMMUNITY: 10,
    Relation.COMMUNE_STAFF: 20,
    Relation.PLATFORM_STAFF: 30,
}


def _rank(relation: str) -> int:
    return _CORE_RANKS.get(relation, module_ranks.get(relation, 1000))


def _reveals(relation: str) -> frozenset[str]:
    return RULES.get(relation) or module_rules.get(relation, frozenset())


@dataclass(frozen=True)
class PersonCard:
    """What one viewer may know of one person. ``None`` means "not for you"."""

    display_name: str
    relations: frozenset[str] = field(default_factory=frozenset)
    id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    pseudonym: str | None = None
    email: str | None = None
    mobile: str | None = None
    landline: str | None = None
    address: str | None = None
    photo_url: str | None = None
    presentation: str | None = None
    birth_date: date | None = None
    is_former_member: bool = False

    @property
    def relation(self) -> str:
        held = self.relations - {Relation.PUBLIC}
        if not held:
            return Relation.PUBLIC
        return min(held, key=lambda relation: (_rank(relation), relation))


def former_member_card() -> PersonCard:
    return PersonCard(display_name=_("Former member"), is_former_member=True)


def _visible(relations: frozenset[str]) -> set[str]:
    allowed: set[str] = set()
    for relation in relations | {Relation.PUBLIC}:
        allowed |= _reveals(relation)
    return allowed


def build_card(person, relations: frozenset[str], *, public_author: bool = False) -> PersonCard:
    """The card of ``person`` for a viewer holding ``relations`` with them."""
    if not is_open_account(person):
        return former_member_card()
    allowed = _visible(relations)
    full_name = person.get_full_name()
    pseudonym = person.pseudonym or None
    shows_name = "name" in allowed or ("name_or_pseudonym" in allowed and not pseudonym)
    if "name" in allowed:
        display = full_name
    elif "name_or_pseudonym" in allowed:
        display = pseudonym or full_name
    elif public_author and pseudonym:
        display = pseudonym
    else:
        display = _("A resident")
    shows_pseudonym = "pseudonym" in allowed or (public_author and pseudonym)
    phones_always = "phones_always" in allowed
    phones = phones_always or "phones" in allowed
    return PersonCard(
        display_name=display,
        relations=relations,
        id=person.pk if "id" in allowed else None,
        first_name=person.first_name if shows_name else None,
        last_name=person.last_name if shows_name else None,
        pseudonym=pseudonym if shows_pseudonym else None,
        email=person.email if "email" in allowed else None,
        mobile=(person.mobile or None)
        if phones and (phones_always or not person.hide_mobile)
        else None,
        landline=(person.landline or None)
        if phones and (phones_always or not person.hide_landline)
        else None,
        address=(person.address or None) if "address" in allowed else None,
        photo_url=person.photo.url if "photo" in allowed and person.photo else None,
        presentation=(person.presentation or None) if "presentation" in allowed else None,
        birth_date=person.birth_date if "birth_date" in allowed else None,
    )


def with_relations(viewer, people: QuerySet) -> QuerySet:
    """Annotate ``people`` with one boolean per relation the viewer may hold (same query)."""
    annotations = {}
    for provider in providers():
        expression = provider.expression(viewer)
        if expression is not None:
            annotations[annotation_name(provider.relation)] = expression
    return people.annotate(**annotations) if annotations else people


def relations_of(person) -> frozenset[str]:
    return frozenset(
        provider.relation
        for provider in providers()
        if getattr(person, annotation_name(provider.relation), False)
    )


def people_cards(viewer, people: QuerySet, *, public_author: bool = False) -> list[PersonCard]:
    """Cards for every person of ``people``, in its order, in one query."""
    return [
        build_card(person, relations_of(person), public_author=public_author)
        for person in with_relations(viewer, people)
    ]


def applicant_card(person) -> PersonCard:
    """A person asking to join, as whoever decides sees them (ACC-10, CTY-4).

    The applicant is not yet in the decider's community, so no relation of the
    matrix holds between them. Deciding needs what a town hall needs to
    validate a resident: name, address and presentation, nothing else (no
    phone, email or photo), whoever the decider is (référent or platform staff).
    """
    return build_card(person, frozenset({Relation.COMMUNE_STAFF}))


def cards_by_id(
    viewer, ids: Iterable[int | None], *, public_author: bool = False
) -> dict[int, PersonCard]:
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    people = with_relations(viewer, get_user_model().objects.filter(pk__in=wanted))
    return {
        person.pk: build_card(person, relations_of(person), public_author=public_author)
        for person in people
    }


def person_card(viewer, person, *, public_author: bool = False) -> PersonCard:
    if person is None:
        return former_member_card()
    return cards_by_id(viewer, [person.pk], public_author=public_author).get(
        person.pk, former_member_card()
    )


def attach_cards(
    viewer,
    objects: Iterable,
    attr: str = "author",
    *,
    public_author: bool = False,
    card_attr: str | None = None,
) -> list:
    """Set ``<attr>_card`` on each object from its ``<attr>_id``: one query for the list."""
    objects = list(objects)
    cards = cards_by_id(
        viewer, (getattr(obj, f"{attr}_id") for obj in objects), public_author=public_author
    )
    target = card_attr or f"{attr}_card"
    for obj in objects:
        setattr(obj, target, cards.get(getattr(obj, f"{attr}_id")) or former_member_card())
    return objects


def alert_author_name(person) -> str:
    """The author of an alert is always shown with their real name (ACC-5, PRIV)."""
    if not is_open_account(person):
        return _("Former member")
    return person.get_full_name()


def showcase_card(person, *, show_photo: bool) -> PersonCard:
    """A person on a public page where they chose to appear (CTY-11: a référent's showcase).

    PRIV: to the public a person shows nothing, except on the public pages where
    they chose to appear: there, their pseudonym when they set one, otherwise
    their real name (the showcase names its référent), and their photo only if
    they opted in (``show_photo``). Nothing else: no contact, address,
    presentation or id ever reaches such a page.
    """
    if not is_open_account(person):
        return former_member_card()
    pseudonym = person.pseudonym or None
    return PersonCard(
        display_name=pseudonym or person.get_full_name(),
        relations=frozenset({Relation.PUBLIC}),
        pseudonym=pseudonym,
        photo_url=person.photo.url if show_photo and person.photo else None,
    )
