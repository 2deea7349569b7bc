"""A référent asks the platform's staff to exclude a member (CTY-8)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communities import selectors, services
from communities.forms import ExclusionForm
from communities.models import Community
from communities.views._common import GET_POST, community_view
from core.forms import service_errors
from privacy.matrix import person_card


@require_http_methods(GET_POST)
@community_view(selectors.REFERENT)
def exclusion_request(request, community: Community, user_pk: int):
    """CTY-8: a référent asks; the platform's staff decide and execute."""
    person = selectors.members_of(community).filter(pk=user_pk).first()
    if person is None:
        raise Http404
    card = person_card(request.user, person)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            services.exclusion_request(
                by=request.user,
                community=community,
                member=person,
                reason=form.cleaned_data["reason"],
            )
        if call.ok:
            messages.success(
                request,
                _(
                    "Your request to exclude %(name)s is sent. The platform's staff will "
                    "decide; you will receive an email."
                )
                % {"name": card.display_name},
            )
            return redirect("communities:directory", pk=community.pk)
    return render(
        request,
        "communities/exclusion_request.html",
        {"community": community, "card": card, "form": form},
    )
