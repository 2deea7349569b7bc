"""Receivers of the core's extension points; the core calls them only when the module is on."""

from __future__ import annotations

from modules.classifieds.selectors import classifieds_latest

HOME_PANEL_ORDER = 30
HOME_PANEL_SIZE = 3


def home_panel(sender, request=None, **kwargs):
    """The latest open classifieds on the commune's home page, for logged-in residents."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return (
        HOME_PANEL_ORDER,
        "classifieds/home_panel.html",
        {"classifieds": classifieds_latest(commune=sender, count=HOME_PANEL_SIZE)},
    )
