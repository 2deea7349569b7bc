"""Wagtail admin menu pieces shared by the core apps and the modules."""

from __future__ import annotations

from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem


class CountedMenuItem(MenuItem):
    """A menu entry whose label counts what waits for the person ("Demandes (3)").

    Subclasses (or the ``count`` argument) say how many: one query when the menu
    is drawn; nothing is added to the label when there is none.
    """

    def __init__(self, *args, count=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._count = count

    def count(self, request) -> int:
        return self._count() if self._count is not None else 0

    def render_component(self, request):
        count = self.count(request)
        label = f"{self.label} ({count})" if count else self.label
        return LinkMenuItem(
            self.name,
            label,
            self.url,
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )
