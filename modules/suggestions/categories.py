"""The categories a commune starts with (SUG-1): staff rename, reorder and retire them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from modules.suggestions.models import Category

if TYPE_CHECKING:
    from communes.models import Commune

#: In this order; stored in the platform's language (French) when created.
DEFAULTS = (
    _("Roads and traffic"),
    _("Cleanliness"),
    _("Green spaces"),
    _("Safety"),
    _("Culture and leisure"),
    _("Community life"),
    _("Other suggestion topic"),
)


def default_categories(commune: Commune) -> list[Category]:
    """The commune's categories, the defaults created first when it has none at all
    (retired ones count: staff who retired every category keep that choice)."""
    existing = list(Category.objects.filter(commune=commune).order_by("position", "name"))
    if existing:
        return existing
    with translation.override(settings.LANGUAGE_CODE):
        names = [str(name) for name in DEFAULTS]
    try:
        with transaction.atomic():
            Category.objects.bulk_create(
                [
                    Category(commune=commune, name=name, position=position)
                    for position, name in enumerate(names, start=1)
                ]
            )
    except IntegrityError:  # created at the same time by another request
        pass
    return list(Category.objects.filter(commune=commune).order_by("position", "name"))
