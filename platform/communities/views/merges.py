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
    """CTY-12: a référent proposes to merge with neighbouring communities; a référent of
    every community agrees, then the platform's staff merge."""
    user = request.user
    proposals = selectors.open_merge_proposals(community)
    others = list(selectors.merge_candidates(community))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = MergeProposalForm(
        request.POST if action == "propose" else None, community=community, others=others
    )
    if action == "propose":
        if form.is_valid():
            by_pk = {c.pk: c for c in others}
            chosen = [by_pk[pk] for pk in form.cleaned_data["absorbed"] if pk in by_pk]
            keep = form.cleaned_data["kept"]
            kept = community if keep == form.KEEP_OURS else by_pk.get(int(keep))
            with service_errors(form) as call:
                if kept is None or len(chosen) != len(form.cleaned_data["absorbed"]):
                    # no longer a candidate since the form was shown
                    raise ValidationError({"absorbed": _("Choose another community.")})
                services.merge_propose(
                    by=user,
                    community=community,
                    kept=kept,
                    absorbed=[c for c in [community, *chosen] if c.pk != kept.pk],
                )
            if call.ok:
                messages.success(
                    request,
                    _(
                        "Your proposal is sent. Once a référent of each community agrees, "
                        "the platform's staff will merge them."
                    ),
                )
                return redirect("communities:merge", pk=community.pk)
    elif action in ("agree", "cancel"):
        pk = request.POST.get("proposal", "")
        proposal = proposals.filter(pk=int(pk)).first() if pk.isdigit() else None
        if proposal is None:
            raise Http404
        with service_errors() as call:
            if action == "agree":
                proposal = services.merge_agree(by=user, proposal=proposal)
                text = (
                    _("Every community agreed. The platform's staff will carry out the merge.")
                    if proposal.status == proposal.Status.AGREED
                    else _(
                        "You agreed to the merge. The other communities' référents must agree too."
                    )
                )
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
        sides = proposal.ordered_sides
        items.append(
            {
                "proposal": proposal,
                "kept_name": sides[0].name if sides else proposal.kept.name,
                "absorbed_names": [side.name for side in sides[1:]],
                "ours_goes_on": proposal.kept_id == community.pk,
                "sides": sides,
                "can_agree": selectors.can_agree_merge(user, proposal),
            }
        )
    return render(
        request,
        "communities/merge.html",
        {"community": community, "form": form, "proposals": items},
    )
