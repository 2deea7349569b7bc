"""Site pages of twinnings, on the commune's host under /jumelages/ (TWN-1).

* ``/jumelages/``: the logged-in person's own community page, or an explanation;
* ``/jumelages/<pk>/``: members of the community see its twinnings (active and
  pending) and the twinned communities; its référents propose (to a community
  within ``TWINNING_MAX_DISTANCE_M``), accept, refuse and end. Anyone else, a
  pending member included, gets a 404 (``communities.views.community_view``).

Every write is one ``twinning.services`` call; its errors become messages or
form errors. No person is shown on these pages.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from communities.models import Community
from communities.selectors import access_community_as_member, community_of, is_referent
from communities.views import community_view
from core.access import explained
from core.forms import service_errors
from modules.twinning import services
from modules.twinning.forms import ProposeForm
from modules.twinning.models import Twinning
from modules.twinning.selectors import twinning_candidates, twinnings_of

GET = ["GET", "HEAD"]
GET_POST = ["GET", "HEAD", "POST"]


@explained(
    gettext_lazy("Twinnings"),
    gettext_lazy(
        "Neighbouring communities twin to receive each other's alerts by e-mail and exchange "
        "messages."
    ),
)
@login_required
@require_http_methods(GET)
def index(request):
    commune = getattr(request, "commune", None)
    if commune is None:
        raise Http404
    community = community_of(request.user)
    if community is not None and community.commune_id == commune.pk:
        return redirect("twinning:community", pk=community.pk)
    return render(request, "twinning/index.html", {"community": community})


def _rows(community: Community, twinnings, *, referent: bool) -> list[dict]:
    rows = []
    for twinning in twinnings:
        proposed = twinning.status == Twinning.Status.PROPOSED
        ours = twinning.proposing_community_id == community.pk
        rows.append(
            {
                "twinning": twinning,
                "other": twinning.other_side(community),
                "proposed": proposed,
                "incoming": proposed and not ours,
                "can_answer": referent and proposed and not ours,
                "can_end": referent and (not proposed or ours),
            }
        )
    return rows


@community_view(access_community_as_member)
@require_http_methods(GET_POST)
def community_twinnings(request, community: Community):
    user = request.user
    referent = is_referent(user, community)
    twinnings = twinnings_of(community)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not referent:
        raise PermissionDenied
    candidates = list(twinning_candidates(community)) if referent else []
    form = ProposeForm(request.POST if action == "propose" else None, candidates=candidates)
    if action == "propose":
        if form.is_valid():
            other = next(c for c in candidates if c.pk == form.cleaned_data["other"])
            with service_errors(form) as call:
                services.twinning_propose(by=user, community=community, other=other)
            if call.ok:
                messages.success(
                    request,
                    _("Your proposal is sent to the référents of “%(name)s”.")
                    % {"name": other.name},
                )
                return redirect("twinning:community", pk=community.pk)
    elif action in ("accept", "refuse", "end"):
        pk = request.POST.get("twinning", "")
        twinning = twinnings.filter(pk=int(pk)).first() if pk.isdigit() else None
        if twinning is None:
            raise Http404
        with service_errors() as call:
            if action == "end":
                services.twinning_end(by=user, twinning=twinning)
                text = _("The twinning has ended.")
            else:
                services.twinning_decide(by=user, twinning=twinning, accept=action == "accept")
                text = (
                    _("Your communities are now twinned.")
                    if action == "accept"
                    else _("You declined the twinning.")
                )
        if call.ok:
            messages.success(request, text)
        else:
            messages.error(request, call.error)
        return redirect("twinning:community", pk=community.pk)
    elif action:
        messages.error(request, _("Choose an action from the page."))
        return redirect("twinning:community", pk=community.pk)
    rows = _rows(community, twinnings, referent=referent)
    return render(
        request,
        "twinning/community.html",
        {
            "community": community,
            "is_referent": referent,
            "active": [row for row in rows if not row["proposed"]],
            "pending": [row for row in rows if row["proposed"]],
            "form": form,
            "has_candidates": bool(candidates),
            "max_distance": settings.TWINNING_MAX_DISTANCE_M,
        },
    )
