"""Relations between a viewer and the people they look at (PRIV).

A relation provider turns a viewer into a boolean SQL expression over the
people queryset (``OuterRef("pk")`` is the person), so that a list of N people
is annotated with every relation in the same single query. Core apps that create
a relation (accounts: platform staff; communities: same community) register a
provider in their ``AppConfig.ready()``; a module declares its relations on its
``PlatformModule`` (``privacy_relations``: :class:`PrivacyRelation` entries, with what
each reveals), collected from the module registry at start-up. Callers never change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, Exists, Expression, ExpressionWrapper, OuterRef, Q
from django.utils.module_loading import import_string

from core.access import is_open_account
from core.modules import registry


class Relation(StrEnum):
    """The core's relations. A module's relation is its plain key (``"twinned"``)."""

    SELF = "self"
    SAME_COMMUNITY = "same_community"
    COMMUNE_STAFF = "commune_staff"
    PLATFORM_STAFF = "platform_staff"
    PUBLIC = "public"


# Everything a relation may reveal of a person (privacy.matrix.build_card reads them).
FIELDS = frozenset(
    {
        "name",
        "name_or_pseudonym",
        "pseudonym",
        "email",
        "phones",
        "phones_always",
        "address",
        "photo",
        "presentation",
        "birth_date",
        "id",
    }
)


@dataclass(frozen=True)
class PrivacyRelation:
    """A relation a module contributes to the matrix (``PlatformModule.privacy_relations``).

    ``expression`` is the dotted path of a function of the viewer returning a boolean
    expression on the people queryset (``OuterRef("pk")`` is the person), or ``None``
    when the viewer cannot hold it; ``reveals`` the fields of :data:`FIELDS` it shows;
    ``rank`` its strength when a card names the one relation that decided it (the
    core's: self 0, same community 10, commune staff 20, platform staff 30).
    """

    key: str
    expression: str
    reveals: frozenset[str]
    rank: int = 50


@dataclass(frozen=True)
class RelationProvider:
    relation: str
    # Returns a boolean expression on the people queryset, or None when the
    # viewer can never hold this relation (an anonymous visitor, say).
    expression: Callable[[object], Expression | Q | None]


_providers: dict[str, RelationProvider] = {}
# What modules' relations reveal, and their rank (the core's are in privacy.matrix).
module_rules: dict[str, frozenset[str]] = {}
module_ranks: dict[str, int] = {}


def register_relation(relation: str, expression: Callable[[object], Expression | Q | None]):
    """Declare how to compute ``relation`` (one provider per relation; the last one wins)."""
    _providers[relation] = RelationProvider(relation, expression)


def providers() -> list[RelationProvider]:
    return list(_providers.values())


def annotation_name(relation: str) -> str:
    return f"privacy_{relation}"


def register_module_relations() -> None:
    """Collect the modules' ``privacy_relations`` (``PrivacyConfig.ready``); checks them."""
    for module, declared in registry.contributions("privacy_relations"):
        where = f"{module.name}: relation {getattr(declared, 'key', declared)!r}"
        if not isinstance(declared, PrivacyRelation):
            raise ImproperlyConfigured(f"{where}: privacy_relations takes PrivacyRelation.")
        if declared.key in set(Relation) or declared.key in module_rules:
            raise ImproperlyConfigured(f"{where} exists already.")
        if not declared.key.isidentifier():
            raise ImproperlyConfigured(f"{where} is not an identifier.")
        unknown = set(declared.reveals) - FIELDS
        if unknown:
            raise ImproperlyConfigured(f"{where} reveals unknown fields {sorted(unknown)}.")
        try:
            expression = import_string(declared.expression)
        except ImportError as error:
            raise ImproperlyConfigured(f"{where}: {error}") from error
        module_rules[declared.key] = frozenset(declared.reveals)
        module_ranks[declared.key] = declared.rank
        register_relation(declared.key, expression)


def _authenticated(viewer) -> bool:
    return is_open_account(viewer)


def _self(viewer):
    if not _authenticated(viewer):
        return None
    return ExpressionWrapper(Q(pk=viewer.pk), output_field=BooleanField())


def _commune_staff(viewer):
    """The viewer is on the staff of a commune the person follows (pending or not)."""
    if not _authenticated(viewer):
        return None
    # Lazy: modules' apps.py import this module (PrivacyRelation) before models load.
    from communes.models import Follow
    from communes.selectors import communes_of_staff

    return Exists(
        Follow.objects.filter(
            user=OuterRef("pk"),
            commune__in=communes_of_staff(viewer).values("pk"),
        ).exclude(status=Follow.Status.REFUSED)
    )


register_relation(Relation.SELF, _self)
register_relation(Relation.COMMUNE_STAFF, _commune_staff)
