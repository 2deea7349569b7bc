"""Reading and hiding any app's reportable content through the contract.

Everything moderation knows of an item comes from its :class:`core.modules.ReportableKind`
(``registry.reportable(key)``): the model, the lookups to its commune, space and author,
the excerpt field, who can see it, whether the town hall moderates it, its link. A
reported person (``PERSON_KIND``) is moderation's own kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from core.access import is_open_account
from core.ids import positive_id
from core.modules import ReportableKind, registry
from messaging.models import Participant
from moderation.models import EXCERPT_LENGTH, PERSON_KIND
from privacy.matrix import relations_of, with_relations
from privacy.relations import Relation

PERSON_LABEL = _("person")


@dataclass
class Item:
    """A reportable item as moderation sees it."""

    kind: ReportableKind | None  # None: a person
    instance: Model
    commune_id: int | None
    community_id: int | None
    author_id: int | None
    excerpt: str
    link: str
    town_hall: bool

    @property
    def key(self) -> str:
        return self.kind.key if self.kind is not None else PERSON_KIND

    @property
    def label(self) -> Any:
        return self.kind.label if self.kind is not None else PERSON_LABEL


def label_of(key: str) -> Any:
    """What a moderator or a reporter reads for the kind ``key`` ("comment", "person")."""
    if key == PERSON_KIND:
        return PERSON_LABEL
    kind = registry.reportable(key)
    return kind.label if kind is not None else key


def kind_of(key: str) -> ReportableKind:
    """The reportable kind ``key``: Http404 for an unknown one (a URL or a body names it)."""
    kind = registry.reportable(key) if isinstance(key, str) else None
    if kind is None:
        raise Http404
    return kind


def model_of(kind: ReportableKind) -> Any:
    return apps.get_model(kind.model)


def _value(instance: Model, path: str) -> Any:
    """Follow ``path`` ("community__commune") to its id, reading ``<name>_id`` last."""
    names = path.split("__")
    current: Any = instance
    for name in names[:-1]:
        current = getattr(current, name, None)
        if current is None:
            return None
    return getattr(current, f"{names[-1]}_id", None)


def load(key: str, object_id: Any) -> Item:
    """The item ``object_id`` of kind ``key`` (a person for ``PERSON_KIND``): Http404 when
    there is none."""
    object_id = positive_id(object_id)
    if key == PERSON_KIND:
        person: Any = get_user_model().objects.filter(pk=object_id).first()
        if person is None:
            raise Http404
        return Item(
            kind=None,
            instance=person,
            commune_id=None,
            community_id=None,
            author_id=person.pk,
            excerpt="",
            link="",
            town_hall=False,
        )
    kind = kind_of(key)
    instance = model_of(kind).objects.filter(pk=object_id).first()
    if instance is None:
        raise Http404
    return wrap(kind, instance)


def wrap(kind: ReportableKind, instance: Model) -> Item:
    excerpt = str(getattr(instance, kind.excerpt, "") or "")
    title = getattr(instance, "title", "")
    if title and kind.excerpt != "title":
        excerpt = f"{title}\n{excerpt}"
    return Item(
        kind=kind,
        instance=instance,
        commune_id=_value(instance, kind.commune),
        community_id=_value(instance, kind.space) if kind.space else None,
        author_id=_value(instance, kind.author),
        excerpt=excerpt[:EXCERPT_LENGTH],
        link=kind.link_of(instance)[:300],
        town_hall=kind.moderated_by_town_hall(instance),
    )


def can_see(user, item: Item) -> bool:
    """Whether ``user`` sees ``item``, so may report it. What moderation hid is gone for
    everyone but its author (who cannot report their own content anyway)."""
    if item.kind is None:
        return sees_person(user, item.instance)
    if getattr(item.instance, "hidden_at", None) is not None and item.author_id != user.pk:
        return False
    return bool(item.kind.call("can_see", user, item.instance))


def sees_person(viewer, person) -> bool:
    """Whether ``viewer`` meets ``person`` somewhere on the platform, so may report them: a
    relation of the privacy matrix other than "self" and "public" (same community, twinned,
    staff of their commune, platform staff), or a conversation of private messages together.
    Anyone else gets the same 404 as for a missing account (ids are not probed)."""
    if not is_open_account(viewer) or viewer.pk == person.pk:
        return False
    annotated = with_relations(viewer, get_user_model().objects.filter(pk=person.pk)).first()
    if annotated is not None and relations_of(annotated) - {Relation.SELF, Relation.PUBLIC}:
        return True
    return Participant.objects.filter(user=viewer, thread__participants__user=person).exists()


def set_hidden(key: str, object_id: int, when) -> int:
    """Hide (``when``) or show again (``None``) one item; a person has nothing to hide."""
    if key == PERSON_KIND:
        return 0
    kind = registry.reportable(key)
    if kind is None:
        return 0
    return model_of(kind).objects.filter(pk=object_id).update(hidden_at=when)


def hide_all_of(author_id: int, when) -> int:
    """Hide every visible item ``author_id`` wrote (a suspension), stamped ``when``."""
    count = 0
    for kind in registry.reportable_kinds():
        count += (
            model_of(kind)
            .objects.filter(**{f"{kind.author}_id": author_id, "hidden_at__isnull": True})
            .update(hidden_at=when)
        )
    return count


def show_all_of(author_id: int, when) -> int:
    """Show again what a suspension stamped ``when`` hid, and nothing else."""
    count = 0
    for kind in registry.reportable_kinds():
        count += (
            model_of(kind)
            .objects.filter(**{f"{kind.author}_id": author_id, "hidden_at": when})
            .update(hidden_at=None)
        )
    return count
