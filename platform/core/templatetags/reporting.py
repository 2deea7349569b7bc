"""The "Signaler" link under every reportable item (CNT-5), for every app's templates.

``{% report_link obj %}`` (or ``{% report_link obj label %}``, ``label`` the words a screen
reader hears after "Signaler": "le commentaire de Marie D.") links to the report form of
``obj``'s reportable kind (``core.modules.registry.reportable_for_model``);
``{% report_person_link person label %}`` to the form reporting a person.

Nothing is rendered for an anonymous visitor, for the item's author (one does not report
oneself), for an item already hidden by moderation, for a model that is not reportable,
or when the report page's URL does not resolve. The core never imports moderation: the
URL is reversed by its name ("moderation:report"), the only link between them.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.modules import registry

register = template.Library()

PERSON_KIND = "accounts.user"


def _author_id(instance: Any, path: str) -> Any:
    """The id at the end of the lookup ``path`` ("author", "created_by", "thread__x")."""
    current = instance
    names = path.split("__")
    for name in names[:-1]:
        current = getattr(current, name, None)
        if current is None:
            return None
    return getattr(current, f"{names[-1]}_id", None)


def _viewer(context) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def _next(context, anchor: str) -> str:
    request = context.get("request")
    if request is None:
        return ""
    return f"{request.get_full_path()}#{anchor}" if anchor else request.get_full_path()


def _link(url: str, next_url: str, label: Any) -> str:
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return format_html(
        '<a class="report-link" href="{}" rel="nofollow">{}'
        '<span class="visually-hidden"> {}</span></a>',
        url,
        _("Report"),
        label or _("this content"),
    )


@register.simple_tag(takes_context=True)
def report_link(context, obj: Any, label: Any = "", anchor: str = "") -> str:
    """A "Signaler" link for ``obj``, or "" (see the module docstring)."""
    viewer = _viewer(context)
    if viewer is None or obj is None or getattr(obj, "pk", None) is None:
        return ""
    kind = registry.reportable_for_model(obj._meta.label)
    if kind is None or getattr(obj, "hidden_at", None) is not None:
        return ""
    if _author_id(obj, kind.author) == viewer.pk:
        return ""
    try:
        url = reverse("moderation:report", args=[kind.key, obj.pk])
    except NoReverseMatch:
        return ""
    return _link(url, _next(context, anchor), label)


@register.simple_tag(takes_context=True)
def report_person_link(context, person: Any, label: Any = "") -> str:
    """A "Signaler" link for a person (impersonation, behaviour), or "" for oneself."""
    viewer = _viewer(context)
    person_id = getattr(person, "pk", person)
    if viewer is None or not person_id or person_id == viewer.pk:
        return ""
    try:
        url = reverse("moderation:report_person", args=[person_id])
    except NoReverseMatch:
        return ""
    return _link(url, _next(context, ""), label)
