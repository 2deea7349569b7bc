"""``{% login_pitch as pitch %}``: what the page behind the login page's ``next`` is."""

from __future__ import annotations

from django import template

from core.access import pitch_for_path

register = template.Library()


@register.simple_tag(takes_context=True)
def login_pitch(context):
    request = context.get("request")
    if request is None:
        return None
    target = context.get("next") or request.GET.get("next", "")
    return pitch_for_path(target, urlconf=getattr(request, "urlconf", None))
