"""Invitations (CTY-10): the page a signed link opens (public; it registers nobody)
and a member's invitation form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communities import selectors, services
from communities.forms import InvitationForm
from communities.models import Community
from communities.views._common import GET, GET_POST, community_view, refusal_text, url_for
from core.forms import service_errors


@require_http_methods(GET)
def invitation(request, token: str):
    """CTY-10: the page an invitation opens. It registers nobody; a bad link is explained."""
    community = selectors.invitation_community(token)
    context: dict[str, Any] = {"community": community}
    if community is not None:
        join_url = url_for(request, community, "join")
        if request.user.is_authenticated:
            context["join_refusal"] = refusal_text(services.join_refusal(request.user, community))
        context.update(
            join_url=join_url,
            register_url=reverse("accounts:register") + "?" + urlencode({"next": join_url}),
            login_url=reverse("accounts:login") + "?" + urlencode({"next": join_url}),
        )
    return render(request, "communities/invitation.html", context)


@require_http_methods(GET_POST)
@community_view(selectors.MEMBER)
def invite(request, community: Community):
    """CTY-10: a member invites a neighbour by email or SMS (rate-limited by the service)."""
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            services.invitation_send(
                by=request.user,
                community=community,
                channel=form.cleaned_data["channel"],
                recipient=form.cleaned_data["recipient"],
            )
        if call.ok:
            messages.success(request, _("Your invitation is sent."))
            return redirect("communities:invite", pk=community.pk)
    return render(
        request,
        "communities/invite.html",
        {
            "community": community,
            "form": form,
            "is_referent": selectors.can_act_as_referent(request.user, community),
        },
    )
