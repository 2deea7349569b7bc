"""Panels of the Wagtail dashboard (the admin's home page).

The to-do panel lists what waits for the person: every entry of the admin menu that
counts its pending items (:class:`core.admin_menu.CountedMenuItem`: residents to
validate, community requests, exclusions, merges…) and that the menu shows to them,
with its count and its link. Each entry scopes itself (the commune of the host, or
every commune the person serves; platform staff see all), exactly as in the menu, so
the core names no app and no module here. A module adds a panel of its own through
Wagtail's ``construct_homepage_panels`` hook (``modules/alerts/wagtail_hooks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from wagtail.admin.menu import SubmenuMenuItem, admin_menu
from wagtail.admin.ui.components import Component

from core.admin_menu import CountedMenuItem


@dataclass(frozen=True)
class ToDo:
    label: str
    count: int
    url: str


def to_dos(request, menu=admin_menu) -> list[ToDo]:
    """The counted menu entries shown to ``request.user``, in menu order."""
    found = []
    for item in menu.menu_items_for_request(request):
        if isinstance(item, SubmenuMenuItem):
            found += to_dos(request, item.menu)
        elif isinstance(item, CountedMenuItem):
            found.append(ToDo(label=str(item.label), count=item.count(request), url=item.url))
    return found


class ToDoPanel(Component):
    name = "voisinage_to_do"
    order = 20  # first: before Wagtail's own panels
    template_name = "core/admin/to_do_panel.html"

    def __init__(self, items: list[ToDo]):
        self.items = items

    def get_context_data(self, parent_context=None):
        return {"items": self.items, "pending": sum(item.count for item in self.items)}
