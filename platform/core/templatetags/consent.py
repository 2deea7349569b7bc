"""Cookie consent in templates (ACC-14).

``{% get_consent as consent %}``: the person's choice (``consent.given``, ``consent.embeds``).
``{% get_show_consent_banner as show_consent_banner %}``: whether to show the banner.
``{% get_consent_purposes as consent_purposes %}``: the optional purposes.
``{% embed_with_consent embed %}``: a Wagtail embed, or a placeholder without consent.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve

from core import consent

register = template.Library()


@register.simple_tag(takes_context=True)
def get_consent(context) -> consent.Consent:
    request = context.get("request")
    return consent.NO_CONSENT if request is None else consent.get_consent(request)


@register.simple_tag(takes_context=True)
def get_show_consent_banner(context) -> bool:
    """Until the person chooses; never on the /cookies/ page, which asks the same."""
    request = context.get("request")
    if request is None or not consent.needs_consent_banner(request):
        return False
    try:
        return resolve(request.path_info).url_name != "cookies"
    except Resolver404:
        return True


@register.simple_tag
def get_consent_purposes() -> list[consent.Purpose]:
    return list(consent.purposes)


def _provider(embed) -> str:
    if embed.provider_name:
        return embed.provider_name
    host = urlsplit(embed.url).hostname or ""
    return host.removeprefix("www.")


@register.inclusion_tag("includes/consent_embed.html")
def embed_with_consent(embed) -> dict:
    """Wagtail renders embeds without a request: the request comes from ConsentMiddleware.

    With consent, the embed as Wagtail renders it. Without, a placeholder carrying the
    embed's HTML in an inert <template>: nothing is loaded from the other site until the
    person asks (consent.js), and "Always allow" is a plain form that records consent.
    """
    request = consent.current_request()
    purpose = consent.EMBEDS.key
    context = {
        "embed": embed,
        "purpose": purpose,
        "granted": consent.current_consent().granted(purpose),
        "provider": _provider(embed),
        "is_video": embed.type == "video",
        "request": request,
    }
    if request is not None:
        context["csrf_token"] = get_token(request)
        context["next"] = request.get_full_path()
    return context
