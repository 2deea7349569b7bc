"""Themes: one folder per theme under ``themes/``, each with templates/ and static/.

``themes/default`` is complete; another theme overrides some of its templates
and its colours (``static/css/theme.css``). The current theme is a context
variable set per request from the commune (``Commune.theme``); the template
loader looks in that theme first, then in the default theme.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loaders.cached import Loader as DjangoCachedLoader
from django.template.loaders.filesystem import Loader as FilesystemLoader
from django.utils.translation import gettext_lazy as _

from core.types import StrOrPromise

_current_theme: ContextVar[str | None] = ContextVar("voisinage_theme", default=None)


@dataclass(frozen=True)
class Theme:
    name: str
    label: str
    path: Path


@cache
def available_themes() -> dict[str, Theme]:
    themes: dict[str, Theme] = {}
    for folder in sorted(Path(settings.THEMES_DIR).iterdir()):
        manifest = folder / "theme.json"
        if not manifest.is_file():
            continue
        data = json.loads(manifest.read_text(encoding="utf-8"))
        themes[folder.name] = Theme(name=folder.name, label=data["label"], path=folder)
    return themes


def theme_choices() -> list[tuple[str, StrOrPromise]]:
    # Labels are stored in theme.json in French and marked here for translation.
    return [(t.name, _(t.label)) for t in available_themes().values()]


def current_theme() -> str:
    name = _current_theme.get()
    return name if name in available_themes() else settings.DEFAULT_THEME


def activate(name: str | None):
    """Make ``name`` the current theme; returns a token for :func:`deactivate`."""
    return _current_theme.set(name)


def deactivate(token) -> None:
    _current_theme.reset(token)


class ThemeLoader(FilesystemLoader):
    def get_dirs(self):
        names = [current_theme(), settings.DEFAULT_THEME]
        return [Path(settings.THEMES_DIR) / name / "templates" for name in dict.fromkeys(names)]


class CachedThemeLoader(DjangoCachedLoader):
    """Django's cached loader, with the theme in the cache key."""

    def cache_key(self, template_name, skip=None):
        return f"{current_theme()}:{super().cache_key(template_name, skip)}"


class ThemeMiddleware:
    """Activates the commune's theme for the request (after CommuneMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        commune = getattr(request, "commune", None)
        token = activate(commune.theme if commune is not None else None)
        try:
            # Template responses are rendered inside get_response, theme still active.
            return self.get_response(request)
        finally:
            deactivate(token)
