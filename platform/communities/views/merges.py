"""Merges (CTY-12): a référent proposes, agrees or cancels; the staff merge."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communities import selectors, services
from communities.forms import MergeProposalForm
from communities.models import Community
from communities.views._common import GET_POST, community_view
from core.forms import service_errors


@require_http_methods(GET_POST)
@community_view(selectors.REFERENT)
def merge(request, community: Community):
    """CTY-12: référents of both sides agree, then the platform's staff merge."""
    user = request.user
    proposals = selectors.open_merge_proposals(community)
    others = selectors.merge_candidates(community)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = MergeProposalForm(request.POST if action == "propose" else None, others=others)
    if action == "propose":
        if form.is_valid():
            other = others.filter(pk=form.cleaned_data["other"]).first()
            with service_errors(form) as call:
                if other is None:  # no longer a candidate since the form was shown
                    raise ValidationError({"other": _("Choose another community.")})
                services.merge_propose(
                    by=user,
                    community=community,
                    other=other,
                    keep="self" if form.cleaned_data["keep"] == form.KEEP_OURS else "other",
                )
            if call.ok:
                messages.success(
                    request,
                    _(
                        "Your proposal is sent. Once a référent of “%(name)s” agrees, the "
                        "platform's staff will merge the communities."
                    )
                    % {"name": other.name},
                )
                return redirect("communities:merge", pk=community.pk)
    elif action in ("agree", "cancel"):
        pk = request.POST.get("proposal", "")
        proposal = proposals.filter(pk=int(pk)).first() if pk.isdigit() else None
        if proposal is None:
            raise Http404
        with service_errors() as call:
            if action == "agree":
                services.merge_agree(by=user, proposal=proposal)
                text = _("You agreed to the merge. The platform's staff will carry it out.")
            else:
                services.merge_cancel(by=user, proposal=proposal)
                text = _("The merge proposal is cancelled.")
        if call.ok:
            messages.success(request, text)
        else:
            messages.error(request, call.error)
        return redirect("communities:merge", pk=community.pk)
    elif action:
        messages.error(request, _("Choose an action from the page."))
        return redirect("communities:merge", pk=community.pk)
    items = []
    for proposal in proposals:
        ours_absorbed = proposal.absorbed_id == community.pk
        items.append(
            {
                "proposal": proposal,
                "other_name": proposal.kept.name if ours_absorbed else proposal.absorbed_name,
                "ours_goes_on": not ours_absorbed,
                "can_agree": selectors.can_agree_merge(user, proposal),
            }
        )
    return render(
        request,
        "communities/merge.html",
        {"community": community, "form": form, "proposals": items},
    )
