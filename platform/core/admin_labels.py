"""French gender in the Wagtail admin's generic labels.

Wagtail builds "Add %(model_name)s" and "New: %(model_name)s" from a model's verbose
name, which French cannot translate without the noun's gender: its own catalogue says
"Ajouter un(e) commune", "Nouvel(le) : commune". A viewset with
:class:`FrenchGenderMixin` declares ``model_gender`` and gets "Ajouter une commune",
"Nouvelle : commune" (pgettext contexts "masculine"/"feminine"). Wagtail's strings used
by other viewsets get neutral French in our catalogue (``core/wagtail_overrides.py``).
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import pgettext

MASCULINE = "masculine"
FEMININE = "feminine"


def add_item_label(model, gender: str) -> str:
    name = {"model_name": model._meta.verbose_name}
    if gender == FEMININE:
        return capfirst(pgettext("feminine", "Add %(model_name)s") % name)
    return capfirst(pgettext("masculine", "Add %(model_name)s") % name)


def new_item_label(model, gender: str) -> str:
    name = {"model_name": model._meta.verbose_name}
    if gender == FEMININE:
        return pgettext("feminine", "New: %(model_name)s") % name
    return pgettext("masculine", "New: %(model_name)s") % name


class NewItemLabelMixin:
    """A create view whose last breadcrumb says "Nouvelle : commune"."""

    new_item_label: str | None = None

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        if self.new_item_label and items:
            items = [*items[:-1], {**items[-1], "label": self.new_item_label}]
        return items


class FrenchGenderMixin:
    """For a Wagtail ``ModelViewSet``: labels agreeing with ``model_gender``."""

    model_gender = MASCULINE

    def get_index_view_kwargs(self, **kwargs):
        kwargs.setdefault("add_item_label", add_item_label(self.model, self.model_gender))
        return super().get_index_view_kwargs(**kwargs)

    @property
    def add_view(self):
        view_class = type(
            self.add_view_class.__name__, (NewItemLabelMixin, self.add_view_class), {}
        )
        return self.construct_view(
            view_class,
            new_item_label=new_item_label(self.model, self.model_gender),
            **self.get_add_view_kwargs(),
        )
