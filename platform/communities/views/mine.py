"""One's own community (CTY-1, CTY-4, CTY-6): my community, creating one, asking to
join, leaving or withdrawing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from communes.selectors import is_validated_resident
from communes.services import commune_url
from communities import selectors, services
from communities.forms import CommunityCreateForm
from communities.models import Membership
from communities.views._common import GET, GET_POST, refusal_text, resident_required, url_for
from core.access import explained
from core.forms import service_errors

# --- one's own community (CTY-1, CTY-4, CTY-6) -----------------------------------------------


@explained(
    gettext_lazy("My community"),
    gettext_lazy(
        "Neighbours of a street or a quarter form a community: they help each other, share "
        "news and alert each other. Join the one around your home, or create it."
    ),
)
@require_http_methods(GET)
@login_required
def mine(request):
    """The person's state: none, pending, member, or refused last time."""
    user = request.user
    membership = selectors.current_membership(user)
    context = {"membership": membership}
    if membership is not None:
        community = membership.community
        context["community_url"] = url_for(request, community, "detail")
    else:
        last = selectors.last_membership(user)
        context["refused"] = last if last and last.status == Membership.Status.REFUSED else None
        covering = selectors.community_covering(user.location) if user.location else None
        context["covering"] = covering
        if covering is not None:
            context["join_url"] = url_for(request, covering, "join")
            context["join_refusal"] = refusal_text(services.join_refusal(user, covering))
        commune = getattr(request, "commune", None)
        if covering is None and user.location is not None and commune is not None:
            context["create_refusal"] = refusal_text(services.create_refusal(user, commune))
            context["can_create"] = not context["create_refusal"]
    return render(request, "communities/mine.html", context)


@explained(
    gettext_lazy("Create a community"),
    gettext_lazy(
        "Draw on the map the street or quarter around your home and invite your neighbours: you "
        "become its référent."
    ),
)
@require_http_methods(GET_POST)
@login_required
def create(request):
    """CTY-1/2: a validated resident whose home no community covers draws one."""
    commune = getattr(request, "commune", None)
    if commune is None:
        raise Http404
    user = request.user
    if not is_validated_resident(user, commune):
        return resident_required(request, commune)
    refusal = services.create_refusal(user, commune)
    if refusal is not None and selectors.current_membership(user) is not None:
        messages.info(request, refusal_text(refusal))
        return redirect("communities:mine")
    context = {"home": user.location}
    if user.location is None:
        return render(request, "communities/create.html", context)
    covering = selectors.community_covering(user.location)
    if covering is not None:
        context.update(covering=covering, join_url=url_for(request, covering, "join"))
        return render(request, "communities/create.html", context)
    form = CommunityCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as call:
            community = services.community_create(
                user=user,
                commune=commune,
                name=form.cleaned_data["name"],
                area=form.cleaned_data["area"],
            )
        if call.ok:
            messages.success(
                request,
                _("The community “%(name)s” is created. You are its référent.")
                % {"name": community.name},
            )
            return redirect("communities:detail", pk=community.pk)
    context.update(
        form=form,
        boundaries_url=reverse("communities:boundaries"),
        tiles_url=settings.MAP_TILES_URL,
        tiles_attribution=settings.MAP_TILES_ATTRIBUTION,
    )
    return render(request, "communities/create.html", context)


@explained(
    gettext_lazy("Join a community"),
    gettext_lazy(
        "Residents whose home is inside a community ask to join it; its référents answer."
    ),
)
@require_http_methods(GET_POST)
@login_required
def join(request, pk: int):
    """CTY-4: ask to join the community around one's home (a button, then a POST)."""
    community = selectors.access_community(
        request.user,
        pk,
        as_=selectors.PUBLIC,
        queryset=selectors.public_communities(),
    )
    commune = getattr(request, "commune", None)
    if commune is None and request.method in ("GET", "HEAD"):
        return redirect(commune_url(community.commune, request.get_full_path()))
    if commune is None or commune.pk != community.commune_id:
        raise Http404
    user = request.user
    if not is_validated_resident(user, commune):
        return resident_required(request, commune)
    current = selectors.current_membership(user)
    if current is not None and current.community_id == community.pk:
        if current.status == Membership.Status.MEMBER:
            return redirect("communities:detail", pk=community.pk)
        messages.info(request, _("Your request to join this community is waiting for a decision."))
        return redirect("communities:mine")
    error = None
    if request.method == "POST":
        with service_errors() as call:
            services.membership_request(user=user, community=community)
        error = call.error or None
        if call.ok:
            messages.success(
                request,
                _(
                    "Your request to join “%(name)s” is sent. You will receive an email "
                    "once it is decided."
                )
                % {"name": community.name},
            )
            return redirect("communities:mine")
    context = {
        "community": community,
        "error": error,
        "current": current,
        "refusal": "" if error else refusal_text(services.join_refusal(user, community)),
    }
    return render(request, "communities/join.html", context)


@require_http_methods(GET_POST)
@login_required
def leave(request):
    """Leave one's community, or withdraw a pending request (CTY-6); confirmed by a POST."""
    membership = selectors.current_membership(request.user)
    if membership is None:
        messages.info(request, _("You do not belong to a community."))
        return redirect("communities:mine")
    error = None
    if request.method == "POST":
        name = membership.community.name
        if membership.status == Membership.Status.PENDING:
            services.membership_withdraw(user=request.user)
            messages.success(
                request, _("Your request to join “%(name)s” is withdrawn.") % {"name": name}
            )
            return redirect("communities:mine")
        with service_errors() as call:
            deleted = services.membership_leave(user=request.user)
        error = call.error or None
        if call.ok:
            if deleted:
                text = _("You left “%(name)s”. It had no other member: it no longer exists.")
            else:
                text = _("You left “%(name)s”.")
            messages.success(request, text % {"name": name})
            return redirect("communities:mine")
    return render(
        request,
        "communities/leave.html",
        {"membership": membership, "error": error},
        status=200,
    )
