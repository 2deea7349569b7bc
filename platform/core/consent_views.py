"""The /cookies/ page (ACC-14): what the site uses and why, and the person's choices.

Plain form posts, so it works without JavaScript; ``static/js/consent.js`` posts the
same forms with fetch (``Accept: application/json``) and gets JSON back.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from core import consent as consent_module
from core.consent import Consent, get_consent, purposes, save_consent


def safe_next_url(request, url: str | None) -> str:
    """``url`` if it stays on this site, else an empty string (no open redirect)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _wants_json(request) -> bool:
    return request.accepts("application/json") and not request.accepts("text/html")


def _chosen(request, current: Consent) -> dict[str, bool] | None:
    """The choices a POST asks for, or None when it is not a valid request."""
    action = request.POST.get("action")
    if action == "accept_all":
        return {key: True for key in purposes.all_keys()}
    if action == "refuse_all":
        return {key: False for key in purposes.all_keys()}
    if action == "save":
        ticked = set(request.POST.getlist("purposes"))
        return {key: key in ticked for key in purposes.all_keys()}
    if action == "grant":  # "Always allow" on one embedded content: that purpose only
        key = request.POST.get("purpose")
        if key not in purposes:
            return None
        kept = {k: v for k, v in current.purposes.items() if k in purposes}
        return {**kept, key: True}
    return None


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def cookies(request):
    if request.method == "POST":
        return _save(request)
    consent = get_consent(request)
    next_url = safe_next_url(request, request.GET.get("next"))
    context = {
        "consent": consent,
        "purpose_rows": [
            {"purpose": purpose, "checked": consent.granted(purpose.key)} for purpose in purposes
        ],
        "necessary_cookies": consent_module.necessary_cookies(),
        "third_parties": consent_module.third_parties(),
        "consent_duration": consent_module.duration_label(consent_module.max_age()),
        "next": next_url,
    }
    return TemplateResponse(request, "core/cookies.html", context)


def _save(request):
    choices = _chosen(request, get_consent(request))
    if choices is None:
        return HttpResponseBadRequest(_("Unknown choice."))
    consent = Consent.from_choices(choices)
    message = _(
        "Your choices have been saved. You can change them at any time from "
        "“Cookie settings” at the bottom of each page."
    )
    if _wants_json(request):
        response = JsonResponse(
            {
                "purposes": dict(consent.purposes),
                "banner": not consent.complete,
                "message": message,
            }
        )
        save_consent(request, response, consent)
        return response
    next_url = safe_next_url(request, request.POST.get("next")) or reverse("cookies")
    response = HttpResponseRedirect(next_url)
    save_consent(request, response, consent)
    messages.success(request, message)
    return response
