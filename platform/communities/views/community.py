"""One community's pages for its members (CTY-9, CTY-13): page, directory, history;
and its settings for its référents (CTY-11, CTY-12)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communities import selectors, services
from communities.forms import SettingsForm
from communities.models import Community, HistoryEntry
from communities.views._common import (
    DIRECTORY_PAGE_SIZE,
    GET,
    GET_POST,
    HISTORY_PAGE_SIZE,
    community_view,
    members_cards,
    showcase_url,
)
from core.forms import service_errors
from privacy.matrix import cards_by_id, former_member_card, people_cards, with_relations

# --- members (CTY-9, CTY-10, CTY-13) ---------------------------------------------------------


@require_http_methods(GET)
@community_view(selectors.MEMBER)
def detail(request, community: Community):
    user = request.user
    referent = selectors.can_act_as_referent(user, community)
    context = {
        "community": community,
        "is_referent": referent,
        "referents": people_cards(user, selectors.referents_of(community)),
        "member_count": selectors.member_count(community),
        "showcase_url": showcase_url(request, community),
    }
    if referent:
        context["pending_count"] = selectors.pending_requests(community).count()
    return render(request, "communities/detail.html", context)


@require_http_methods(GET)
@community_view(selectors.MEMBER)
def directory(request, community: Community):
    """CTY-13: the members as the matrix shows them to a neighbour, référents first."""
    people = with_relations(request.user, selectors.members_of(community))
    page = Paginator(people, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/directory.html",
        {
            "community": community,
            "page_obj": page,
            "members": members_cards(page.object_list),
            "is_referent": selectors.can_act_as_referent(request.user, community),
        },
    )


# A person is named in entries of these kinds; with no person left, a former member.
_PERSON_KINDS = {
    HistoryEntry.Kind.CREATED,
    HistoryEntry.Kind.JOINED,
    HistoryEntry.Kind.LEFT,
    HistoryEntry.Kind.EXCLUDED,
    HistoryEntry.Kind.REFERENT_GRANTED,
    HistoryEntry.Kind.REFERENT_GAVE_UP,
    HistoryEntry.Kind.REFERENT_REMOVED,
    HistoryEntry.Kind.REFERENT_TRANSFERRED,
}


@require_http_methods(GET)
@community_view(selectors.MEMBER)
def history(request, community: Community):
    """CTY-9: arrivals, departures and role changes, names through the matrix (one query)."""
    page = Paginator(selectors.history_of(community), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    entries = list(page.object_list)
    cards = cards_by_id(
        request.user, [e.person_id for e in entries] + [e.actor_id for e in entries]
    )
    for entry in entries:
        if entry.person_id:
            entry.person_card = cards.get(entry.person_id) or former_member_card()  # type: ignore[attr-defined]  # for the template
        else:
            entry.person_card = former_member_card() if entry.kind in _PERSON_KINDS else None  # type: ignore[attr-defined]  # for the template
        entry.actor_card = cards.get(entry.actor_id) if entry.actor_id else None  # type: ignore[attr-defined]  # for the template
    return render(
        request,
        "communities/history.html",
        {
            "community": community,
            "page_obj": page,
            "entries": entries,
            "is_referent": selectors.can_act_as_referent(request.user, community),
        },
    )


@require_http_methods(GET_POST)
@community_view(selectors.REFERENT)
def community_settings(request, community: Community):
    """CTY-11/12: rename, public presentation, the référent's photo on the public page."""
    own = selectors.membership_in(request.user, community)
    form = SettingsForm(
        request.POST or None,
        initial={
            "name": community.name,
            "presentation": community.presentation,
            "show_photo": bool(own and own.show_photo_publicly),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form) as call, transaction.atomic():  # both or neither
            community = services.community_rename(
                by=request.user, community=community, name=data["name"]
            )
            community = services.community_update_showcase(
                by=request.user,
                community=community,
                presentation=data["presentation"],
                show_photo=data["show_photo"],
            )
        if call.ok:
            messages.success(request, _("The community's settings are saved."))
            return redirect("communities:settings", pk=community.pk)
    return render(
        request,
        "communities/settings.html",
        {
            "community": community,
            "form": form,
            "showcase_url": showcase_url(request, community),
        },
    )
