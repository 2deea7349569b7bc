"""Requests to join (CTY-4), for the référents and the platform's staff."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communities import selectors, services
from communities.forms import DecisionForm
from communities.models import Community, Membership
from communities.views._common import GET_POST, community_view
from core.forms import service_errors
from privacy.matrix import applicant_card


@require_http_methods(GET_POST)
@community_view(selectors.REFERENT_OR_STAFF)
def requests(request, community: Community):
    """CTY-4: pending requests, accepted or refused with a reason by whoever decides.

    Requesters are shown as ``privacy.matrix.applicant_card`` says a decider sees
    them (name, address, presentation), whatever the viewer's other relations.
    """
    user = request.user
    deciding = selectors.can_decide(user, Membership(community=community))
    bound: dict[int, DecisionForm] = {}
    if request.method == "POST":
        if not deciding:
            raise Http404
        pk = request.POST.get("membership", "")
        membership = (
            selectors.pending_requests(community).filter(pk=int(pk)).first()
            if pk.isdigit()
            else None
        )
        if membership is None:
            messages.error(request, _("This request was already decided or withdrawn."))
            return redirect("communities:requests", pk=community.pk)
        form = DecisionForm(request.POST, prefix=f"r{membership.pk}")
        if form.is_valid():
            accept = form.cleaned_data["decision"] == DecisionForm.ACCEPT
            with service_errors(form) as call:
                services.membership_decide(
                    membership=membership,
                    by=user,
                    accept=accept,
                    reason="" if accept else form.cleaned_data["reason"],
                )
            if call.ok:
                name = applicant_card(membership.user)
                if accept:
                    text = _("%(name)s is now a member of the community.")
                else:
                    text = _("The request of %(name)s is refused; they will read your reason.")
                messages.success(request, text % {"name": name.display_name})
                return redirect("communities:requests", pk=community.pk)
        bound[membership.pk] = form
    pending = []
    for membership in selectors.pending_requests(community):
        pending.append(
            {
                "membership": membership,
                "card": applicant_card(membership.user),
                "form": bound.get(membership.pk) or DecisionForm(prefix=f"r{membership.pk}"),
            }
        )
    return render(
        request,
        "communities/requests.html",
        {
            "community": community,
            "pending": pending,
            "deciding": deciding,
            "is_referent": selectors.can_act_as_referent(user, community),
        },
    )
