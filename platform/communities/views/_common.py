"""What the community pages share: URLs on the commune's host, the access decorator,
directory lines, refusals as text."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from communes.models import Commune
from communes.selectors import follow_of
from communes.services import commune_url
from communities import selectors
from communities.models import Community
from core.forms import service_error_text
from privacy.matrix import PersonCard, build_card, relations_of

LIST_PAGE_SIZE = 50
DIRECTORY_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 30
GET = ["GET", "HEAD"]
GET_POST = ["GET", "HEAD", "POST"]


# --- helpers ---------------------------------------------------------------------------------


def url_for(request, community: Community, name: str, *args) -> str:
    """A relative URL on the community's commune host, absolute from any other host."""
    path = reverse(f"communities:{name}", args=[community.pk, *args])
    commune = getattr(request, "commune", None)
    if commune is not None and commune.pk == community.commune_id:
        return path
    return commune_url(community.commune, path)


def showcase_url(request, community: Community) -> str | None:
    """The public page of ``community`` (CTY-11) when it is live; needs no query when
    the page was fetched with ``select_related("showcase_page")``."""
    try:
        page = community.showcase_page
    except ObjectDoesNotExist:
        return None
    if page is None or not page.live:
        return None
    return page.get_url(request)


def refusal_text(refusal: Exception | None) -> str:
    """What the page says instead of offering an action the service would refuse."""
    return service_error_text(refusal) if refusal is not None else ""


def resident_required(request, commune: Commune):
    """The commune's explanation page for people it has not validated (ACC-10)."""
    return render(
        request,
        "communes/resident_required.html",
        {"follow": follow_of(request.user, commune)},
        status=403,
    )


def community_view(access: str | Callable[..., Community]):
    """Login, then the community ``pk`` as ``access`` allows (404 otherwise) on its host.

    ``access`` is a role of ``selectors.access_community`` (``selectors.MEMBER``,
    ``selectors.REFERENT``…) or a function ``(user, pk) -> Community`` raising Http404.
    The view receives the community instead of ``pk``. On the platform's own host a
    GET is redirected to the commune's host; another commune's host answers 404.
    """
    if isinstance(access, str):
        access = functools.partial(selectors.access_community, as_=access)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, pk, *args, **kwargs):
            community = access(request.user, pk)
            commune = getattr(request, "commune", None)
            if commune is None and request.method in ("GET", "HEAD"):
                return redirect(commune_url(community.commune, request.get_full_path()))
            if commune is None or commune.pk != community.commune_id:
                raise Http404
            return view(request, community, *args, **kwargs)

        return login_required(wrapped)

    return decorator


@dataclass(frozen=True)
class Member:
    """One line of the directory: what the matrix lets the viewer see, and the role."""

    card: PersonCard
    is_referent: bool


def members_cards(people) -> list[Member]:
    """Cards for ``people``: ``selectors.members_of`` (annotated ``is_referent``) passed
    through ``privacy.matrix.with_relations`` for the viewer; one query.

    This is ``privacy.matrix.people_cards`` keeping each person's ``is_referent``
    annotation next to their card: the same matrix functions, in the same order.
    """
    return [
        Member(card=build_card(person, relations_of(person)), is_referent=person.is_referent)
        for person in people
    ]
