"""Site pages of follows (ACC-9, ACC-10): "My communes" at /compte/communes/, on every host.

A person lists the communes they follow with the status of each request,
follows another one (chosen from the list, searched by name or postal code)
and stops following one after confirming with their password (seed 000). The writes
are ``communes.services.follow_request`` and ``follow_leave``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communes.models import Commune, Follow
from communes.selectors import communes_to_follow, follows_of
from communes.services import follow_leave, follow_request
from core.access import explained, is_open_account
from core.forms import add_service_errors

PAGE_SIZE = 20


class CommuneSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name or postal code"), max_length=100, required=False, strip=True
    )


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@explained(
    gettext_lazy("My communes"),
    gettext_lazy(
        "Follow your commune (and a second one if you wish) to read its residents' news, "
        "receive its alerts and take part once its town hall has validated you."
    ),
)
@login_required
@require_http_methods(["GET", "HEAD"])
def follow_list(request):
    follows = list(follows_of(request.user))
    # Each validated row links to "Écrire à la mairie" (messaging's URL, named in the template):
    # the same rule as is_validated_resident, without a query per row.
    open_account = is_open_account(request.user)
    for follow in follows:
        follow.writes_to_town_hall = open_account and follow.status == Follow.Status.VALIDATED
    form = CommuneSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    candidates = communes_to_follow(query=query).exclude(
        pk__in=[follow.commune_id for follow in follows]
    )
    page = Paginator(candidates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communes/follows.html",
        {"follows": follows, "form": form, "query": query, "page_obj": page},
    )


@login_required
@require_POST
def follow_create(request):
    slug = request.POST.get("commune", "")
    commune = Commune.objects.filter(slug=slug).first() if slug else None
    if commune is None:
        raise Http404
    try:
        follow, created = follow_request(user=request.user, commune=commune)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("communes:follows")
    if created:
        messages.success(
            request,
            _(
                "Your request to follow %(commune)s is sent. Its town hall will validate it; "
                "you will receive an email."
            )
            % {"commune": commune.name},
        )
    elif follow.status == Follow.Status.VALIDATED:
        messages.info(request, _("You already follow %(commune)s.") % {"commune": commune.name})
    else:
        messages.info(
            request,
            _("Your request to follow %(commune)s is waiting for validation.")
            % {"commune": commune.name},
        )
    return redirect(_next_url(request, "communes:follows"))


class UnfollowForm(forms.Form):
    """Seed 000: the password confirms that one stops following a commune."""

    password = forms.CharField(
        label=gettext_lazy("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("Asked again to protect your account."),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def follow_delete(request, slug: str):
    follow = follows_of(request.user).filter(commune__slug=slug).first()
    if follow is None:
        raise Http404
    form = UnfollowForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            follow_leave(
                user=request.user,
                commune=follow.commune,
                password=form.cleaned_data["password"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("You no longer follow %(commune)s.") % {"commune": follow.commune.name}
            )
            return redirect("communes:follows")
    return render(request, "communes/unfollow_confirm.html", {"follow": follow, "form": form})
