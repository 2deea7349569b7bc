"""Relations between a viewer and the people they look at (PRIV).

A relation provider turns a viewer into a boolean SQL expression over the
people queryset (``OuterRef("pk")`` is the person), so that a list of N people
is annotated with every relation in the same single query. Apps that create a
relation (communities: same community; twinning: twinned community) register a
provider in their ``AppConfig.ready()``; callers never change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import BooleanField, Exists, Expression, ExpressionWrapper, OuterRef, Q, Value


class Relation(StrEnum):
    SELF = "self"
    SAME_COMMUNITY = "same_community"
    TWINNED = "twinned"
    COMMUNE_STAFF = "commune_staff"
    PLATFORM_STAFF = "platform_staff"
    PUBLIC = "public"


@dataclass(frozen=True)
class RelationProvider:
    relation: Relation
    # Returns a boolean expression on the people queryset, or None when the
    # viewer can never hold this relation (an anonymous visitor, say).
    expression: Callable[[object], Expression | Q | None]


_providers: dict[Relation, RelationProvider] = {}


def register_relation(relation: Relation, expression: Callable[[object], Expression | Q | None]):
    """Declare how to compute ``relation`` (one provider per relation; the last one wins)."""
    _providers[relation] = RelationProvider(relation, expression)


def providers() -> list[RelationProvider]:
    return list(_providers.values())


def annotation_name(relation: Relation) -> str:
    return f"privacy_{relation.value}"


def _authenticated(viewer) -> bool:
    return bool(getattr(viewer, "is_authenticated", False) and viewer.is_active)


def _self(viewer):
    if not _authenticated(viewer):
        return None
    return ExpressionWrapper(Q(pk=viewer.pk), output_field=BooleanField())


def _commune_staff(viewer):
    """The viewer is on the staff of a commune the person follows (pending or not)."""
    if not _authenticated(viewer):
        return None
    from communes.models import Follow
    from communes.selectors import communes_of_staff

    return Exists(
        Follow.objects.filter(
            user=OuterRef("pk"),
            commune__in=communes_of_staff(viewer).values("pk"),
        ).exclude(status=Follow.Status.REFUSED)
    )


def _platform_staff(viewer):
    from accounts.staff import is_platform_staff

    if not is_platform_staff(viewer):
        return None
    return Value(True, output_field=BooleanField())


register_relation(Relation.SELF, _self)
register_relation(Relation.COMMUNE_STAFF, _commune_staff)
register_relation(Relation.PLATFORM_STAFF, _platform_staff)
