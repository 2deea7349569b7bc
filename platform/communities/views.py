"""Site pages of communities (CTY), under /communautes/.

Thin views: every write is one ``communities.services`` call whose
``ValidationError`` becomes form errors (``core.forms.add_service_errors``);
reads come from ``communities.selectors``; every person shown goes through the
privacy matrix (``privacy.matrix``): templates only ever get ``PersonCard``s.

Who sees what:

* public: the list of communities (CTY-3), their boundaries as GeoJSON and the
  page an invitation link opens (CTY-10); no personal data on any of them;
* logged-in people: "my community" (their state), creating a community (CTY-1,
  validated residents of the commune), asking to join (CTY-4), leaving;
* members only: the community's page, directory (CTY-13), history (CTY-9) and
  invitations. Anyone else, pending members included, gets a 404 (CTY-4);
* référents: requests (or the platform's staff), roles (CTY-7), exclusion
  requests (CTY-8), name and showcase (CTY-11/12), merges (CTY-12).

The pages of one community live on its commune's host: another commune's host
answers 404, the platform's own host redirects a member's GET there.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.staff import is_platform_staff
from communes.models import Commune
from communes.selectors import follow_of, is_validated_resident
from communes.services import commune_url
from communities import selectors, services
from communities.forms import (
    CommunityCreateForm,
    DecisionForm,
    ExclusionForm,
    InvitationForm,
    MergeProposalForm,
    ReferentForm,
    SettingsForm,
)
from communities.models import Community, HistoryEntry, Membership, MergeProposal
from core.access import explained
from core.countries import COUNTRY_CHOICES
from core.forms import add_service_errors
from privacy.matrix import (
    PersonCard,
    applicant_card,
    build_card,
    cards_by_id,
    former_member_card,
    people_cards,
    person_card,
    relations_of,
    with_relations,
)

LIST_PAGE_SIZE = 50
DIRECTORY_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 30
# Neighbours offered for a merge: communities whose boundary is this close (metres).
MERGE_NEIGHBOUR_METERS = 100

GET = ["GET", "HEAD"]
GET_POST = ["GET", "HEAD", "POST"]


# --- helpers ---------------------------------------------------------------------------------


def _url_for(request, community: Community, name: str, *args) -> str:
    """A relative URL on the community's commune host, absolute from any other host."""
    path = reverse(f"communities:{name}", args=[community.pk, *args])
    commune = getattr(request, "commune", None)
    if commune is not None and commune.pk == community.commune_id:
        return path
    return commune_url(community.commune, path)


def _showcase_url(request, community: Community) -> str | None:
    """The public page of ``community`` (CTY-11) when it is live; needs no query when
    the page was fetched with ``select_related("showcase_page")``."""
    try:
        page = community.showcase_page
    except ObjectDoesNotExist:
        return None
    if page is None or not page.live:
        return None
    return page.get_url(request)


def _service_error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You cannot do this.")


def _refusal_text(refusal: Exception | None) -> str:
    """What the page says instead of offering an action the service would refuse."""
    return _service_error_text(refusal) if refusal is not None else ""


def _resident_required(request, commune: Commune):
    """The commune's explanation page for people it has not validated (ACC-10)."""
    return render(
        request,
        "communes/resident_required.html",
        {"follow": follow_of(request.user, commune)},
        status=403,
    )


def _as_member(user, pk) -> Community:
    return selectors.access_community_as_member(user, pk)


def _as_referent(user, pk) -> Community:
    community = selectors.access_community_as_member(user, pk)
    if not selectors.is_referent(user, community):
        raise Http404
    return community


def _as_referent_or_staff(user, pk) -> Community:
    """Requests are decided by référents or by the platform's staff (CTY-4)."""
    if is_platform_staff(user):
        return get_object_or_404(Community.objects.select_related("commune"), pk=pk)
    return _as_referent(user, pk)


def community_view(access):
    """Login, then the community ``pk`` as ``access`` allows (404 otherwise) on its host.

    The view receives the community instead of ``pk``. On the platform's own host a
    GET is redirected to the commune's host; another commune's host answers 404.
    """

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


def _members(people) -> list[Member]:
    """Cards for ``people``: ``selectors.members_of`` (annotated ``is_referent``) passed
    through ``privacy.matrix.with_relations`` for the viewer; one query.

    This is ``privacy.matrix.people_cards`` keeping each person's ``is_referent``
    annotation next to their card: the same matrix functions, in the same order.
    """
    return [
        Member(card=build_card(person, relations_of(person)), is_referent=person.is_referent)
        for person in people
    ]


def _public_filters(request) -> tuple[str, Commune | None, bool]:
    """``?country=FR|CI&commune=<slug>`` on the platform's host; the host's commune elsewhere.

    Returns (country, commune, unknown): ``unknown`` when the slug names no commune.
    """
    commune = getattr(request, "commune", None)
    if commune is not None:
        return "", commune, False
    country = request.GET.get("country", "").upper()
    if country not in dict(COUNTRY_CHOICES):
        country = ""
    slug = request.GET.get("commune", "").strip()
    selected = Commune.objects.filter(slug=slug).first() if slug else None
    return country, selected, bool(slug) and selected is None


def _public_queryset(request):
    country, commune, unknown = _public_filters(request)
    qs = selectors.public_communities(country=country, commune=commune)
    if unknown:
        qs = qs.none()
    return qs.select_related("showcase_page"), country, commune


# --- public pages (CTY-3, CTY-10) ------------------------------------------------------------


@require_http_methods(GET)
def community_list(request):
    """CTY-3: name, creation date, member count and public page; nobody's personal data."""
    communities, country, selected = _public_queryset(request)
    page = Paginator(communities, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    for community in items:
        community.showcase_url = _showcase_url(request, community)
    commune = getattr(request, "commune", None)
    create_refusal = ""
    membership = None
    if commune is not None and request.user.is_authenticated:
        create_refusal = _refusal_text(services.create_refusal(request.user, commune))
        membership = selectors.current_membership(request.user)
    context = {
        "page_obj": page,
        "communities": items,
        "create_refusal": create_refusal,
        "membership": membership,
        "boundaries_url": reverse("communities:boundaries"),
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
    }
    if getattr(request, "commune", None) is None:
        context.update(
            countries=COUNTRY_CHOICES,
            country=country,
            selected_commune=selected,
            communes=Commune.objects.filter(communities__isnull=False)
            .distinct()
            .order_by("country", "name"),
        )
        if selected is not None or country:
            context["boundaries_url"] += "?" + urlencode(
                {"country": country, "commune": selected.slug if selected else ""}
            )
    return render(request, "communities/list.html", context)


@require_http_methods(GET)
def boundaries(request):
    """The boundaries of the communities as a GeoJSON FeatureCollection (public, no person)."""
    communities, _country, _commune = _public_queryset(request)
    features = [
        {
            "type": "Feature",
            "id": community.pk,
            "geometry": json.loads(community.area.geojson),
            "properties": {
                "name": community.name,
                "commune": community.commune.name,
                "member_count": community.member_count,
                "url": _showcase_url(request, community),
            },
        }
        for community in communities
    ]
    response = JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_http_methods(GET)
def invitation(request, token: str):
    """CTY-10: the page an invitation opens. It registers nobody; a bad link is explained."""
    community = services.invitation_community(token)
    context = {"community": community}
    if community is not None:
        join_url = _url_for(request, community, "join")
        if request.user.is_authenticated:
            context["join_refusal"] = _refusal_text(services.join_refusal(request.user, community))
        context.update(
            join_url=join_url,
            register_url=reverse("accounts:register") + "?" + urlencode({"next": join_url}),
            login_url=reverse("accounts:login") + "?" + urlencode({"next": join_url}),
        )
    return render(request, "communities/invitation.html", context)


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
        context["community_url"] = _url_for(request, community, "detail")
    else:
        last = (
            Membership.objects.filter(user=user)
            .select_related("community")
            .order_by("-requested_at", "-pk")
            .first()
        )
        context["refused"] = last if last and last.status == Membership.Status.REFUSED else None
        covering = selectors.community_covering(user.location) if user.location else None
        context["covering"] = covering
        if covering is not None:
            context["join_url"] = _url_for(request, covering, "join")
            context["join_refusal"] = _refusal_text(services.join_refusal(user, covering))
        commune = getattr(request, "commune", None)
        if covering is None and user.location is not None and commune is not None:
            context["create_refusal"] = _refusal_text(services.create_refusal(user, commune))
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
        return _resident_required(request, commune)
    refusal = services.create_refusal(user, commune)
    if refusal is not None and selectors.current_membership(user) is not None:
        messages.info(request, _refusal_text(refusal))
        return redirect("communities:mine")
    context = {"home": user.location}
    if user.location is None:
        return render(request, "communities/create.html", context)
    covering = selectors.community_covering(user.location)
    if covering is not None:
        context.update(covering=covering, join_url=_url_for(request, covering, "join"))
        return render(request, "communities/create.html", context)
    form = CommunityCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(
                user=user,
                commune=commune,
                name=form.cleaned_data["name"],
                area=form.cleaned_data["area"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _service_error_text(error))
        else:
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
    community = get_object_or_404(
        Community.objects.select_related("commune").with_member_count(), pk=pk
    )
    commune = getattr(request, "commune", None)
    if commune is None and request.method in ("GET", "HEAD"):
        return redirect(commune_url(community.commune, request.get_full_path()))
    if commune is None or commune.pk != community.commune_id:
        raise Http404
    user = request.user
    if not is_validated_resident(user, commune):
        return _resident_required(request, commune)
    current = selectors.current_membership(user)
    if current is not None and current.community_id == community.pk:
        if current.status == Membership.Status.MEMBER:
            return redirect("communities:detail", pk=community.pk)
        messages.info(request, _("Your request to join this community is waiting for a decision."))
        return redirect("communities:mine")
    error = None
    if request.method == "POST":
        try:
            services.membership_request(user=user, community=community)
        except (ValidationError, PermissionDenied) as exc:
            error = _service_error_text(exc)
        else:
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
        "refusal": "" if error else _refusal_text(services.join_refusal(user, community)),
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
        try:
            deleted = services.membership_leave(user=request.user)
        except ValidationError as exc:
            error = _service_error_text(exc)
        else:
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


# --- members (CTY-9, CTY-10, CTY-13) ---------------------------------------------------------


@require_http_methods(GET)
@community_view(_as_member)
def detail(request, community: Community):
    user = request.user
    referent = selectors.is_referent(user, community)
    context = {
        "community": community,
        "is_referent": referent,
        "referents": people_cards(user, selectors.referents_of(community)),
        "member_count": Membership.objects.members().filter(community=community).count(),
        "showcase_url": _showcase_url(request, community),
    }
    if referent:
        context["pending_count"] = selectors.pending_requests(community).count()
    return render(request, "communities/detail.html", context)


@require_http_methods(GET)
@community_view(_as_member)
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
            "members": _members(page.object_list),
            "is_referent": selectors.is_referent(request.user, community),
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
@community_view(_as_member)
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
            entry.person_card = cards.get(entry.person_id) or former_member_card()
        else:
            entry.person_card = former_member_card() if entry.kind in _PERSON_KINDS else None
        entry.actor_card = cards.get(entry.actor_id) if entry.actor_id else None
    return render(
        request,
        "communities/history.html",
        {
            "community": community,
            "page_obj": page,
            "entries": entries,
            "is_referent": selectors.is_referent(request.user, community),
        },
    )


@require_http_methods(GET_POST)
@community_view(_as_member)
def invite(request, community: Community):
    """CTY-10: a member invites a neighbour by email or SMS (rate-limited by the service)."""
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_send(
                by=request.user,
                community=community,
                channel=form.cleaned_data["channel"],
                recipient=form.cleaned_data["recipient"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _service_error_text(error))
        else:
            messages.success(request, _("Your invitation is sent."))
            return redirect("communities:invite", pk=community.pk)
    return render(
        request,
        "communities/invite.html",
        {
            "community": community,
            "form": form,
            "is_referent": selectors.is_referent(request.user, community),
        },
    )


# --- référents (CTY-4, CTY-7, CTY-8, CTY-11, CTY-12) -----------------------------------------


@require_http_methods(GET_POST)
@community_view(_as_referent_or_staff)
def requests(request, community: Community):
    """CTY-4: pending requests, accepted or refused with a reason by whoever decides.

    Requesters are shown as ``privacy.matrix.applicant_card`` says a decider sees
    them (name, address, presentation), whatever the viewer's other relations.
    """
    user = request.user
    deciding = services.can_decide(user, Membership(community=community))
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
            try:
                services.membership_decide(
                    membership=membership,
                    by=user,
                    accept=accept,
                    reason="" if accept else form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, _service_error_text(error))
            else:
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
            "is_referent": selectors.is_referent(user, community),
        },
    )


def _referent_forms(members: list[Member], viewer_pk: int, data=None, action: str = ""):
    """The four forms of the référents page; the one named by ``action`` bound to ``data``."""
    others = [m for m in members if m.card.id != viewer_pk]
    plain = [(m.card.id, m.card.display_name) for m in others if not m.is_referent]
    referents = [(m.card.id, m.card.display_name) for m in others if m.is_referent]
    choices = {
        ReferentForm.GRANT: plain,
        ReferentForm.TRANSFER: plain,
        ReferentForm.REMOVE: referents,
        ReferentForm.GIVE_UP: (),
    }
    return {
        name: ReferentForm(
            data if name == action else None,
            action=name,
            members=members_choices,
            prefix=name,
        )
        for name, members_choices in choices.items()
    }


@require_http_methods(GET_POST)
@community_view(_as_referent)
def referents(request, community: Community):
    """CTY-7: grant, transfer, give up, remove; a community always keeps a référent."""
    user = request.user
    members = _members(with_relations(user, selectors.members_of(community)))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ReferentForm.ACTIONS:
        messages.error(request, _("Choose an action from the page."))
        return redirect("communities:referents", pk=community.pk)
    forms = _referent_forms(members, user.pk, request.POST, action)
    if action:
        form = forms[action]
        if form.is_valid():
            target = None
            if action != ReferentForm.GIVE_UP:
                target = selectors.members_of(community).filter(pk=form.cleaned_data["member"])
                target = target.first()
            try:
                if action == ReferentForm.GRANT:
                    services.referent_grant(by=user, community=community, user=target)
                    text = _("%(name)s is now référent.")
                elif action == ReferentForm.TRANSFER:
                    services.referent_transfer(by=user, community=community, user=target)
                    text = _("You handed the référent role over to %(name)s.")
                elif action == ReferentForm.REMOVE:
                    services.referent_remove(by=user, community=community, user=target)
                    text = _("%(name)s is no longer référent.")
                else:
                    services.referent_give_up(by=user, community=community)
                    text = _("You are no longer référent.")
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, _service_error_text(error))
            else:
                name = dict(form.fields["member"].choices).get(target.pk) if target else ""
                messages.success(request, text % {"name": name})
                if selectors.is_referent(user, community):
                    return redirect("communities:referents", pk=community.pk)
                return redirect("communities:detail", pk=community.pk)
    return render(
        request,
        "communities/referents.html",
        {"community": community, "members": members, "forms": forms},
    )


@require_http_methods(GET_POST)
@community_view(_as_referent)
def exclusion_request(request, community: Community, user_pk: int):
    """CTY-8: a référent asks; the platform's staff decide and execute."""
    person = selectors.members_of(community).filter(pk=user_pk).first()
    if person is None:
        raise Http404
    card = person_card(request.user, person)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.exclusion_request(
                by=request.user,
                community=community,
                member=person,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _service_error_text(error))
        else:
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


@require_http_methods(GET_POST)
@community_view(_as_referent)
def community_settings(request, community: Community):
    """CTY-11/12: rename, public presentation, the référent's photo on the public page."""
    own = Membership.objects.members().filter(community=community, user=request.user).first()
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
        try:
            with transaction.atomic():  # both or neither
                community = services.community_rename(
                    by=request.user, community=community, name=data["name"]
                )
                community = services.community_update_showcase(
                    by=request.user,
                    community=community,
                    presentation=data["presentation"],
                    show_photo=data["show_photo"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _service_error_text(error))
        else:
            messages.success(request, _("The community's settings are saved."))
            return redirect("communities:settings", pk=community.pk)
    return render(
        request,
        "communities/settings.html",
        {
            "community": community,
            "form": form,
            "showcase_url": _showcase_url(request, community),
        },
    )


@require_http_methods(GET_POST)
@community_view(_as_referent)
def merge(request, community: Community):
    """CTY-12: référents of both sides agree, then the platform's staff merge."""
    user = request.user
    proposals = (
        MergeProposal.objects.filter(Q(absorbed=community) | Q(kept=community))
        .filter(status__in=[MergeProposal.Status.OPEN, MergeProposal.Status.AGREED])
        .select_related("absorbed", "kept")
        .order_by("-proposed_at")
    )
    others = (
        selectors.communities_near_community(community, MERGE_NEIGHBOUR_METERS)
        .filter(commune=community.commune_id)
        .only("pk", "name")
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = MergeProposalForm(request.POST if action == "propose" else None, others=others)
    if action == "propose":
        if form.is_valid():
            other = others.filter(pk=form.cleaned_data["other"]).first()
            try:
                services.merge_propose(
                    by=user,
                    community=community,
                    other=other,
                    keep="self" if form.cleaned_data["keep"] == form.KEEP_OURS else "other",
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, _service_error_text(error))
            else:
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
        try:
            if action == "agree":
                services.merge_agree(by=user, proposal=proposal)
                text = _("You agreed to the merge. The platform's staff will carry it out.")
            else:
                services.merge_cancel(by=user, proposal=proposal)
                text = _("The merge proposal is cancelled.")
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _service_error_text(error))
        else:
            messages.success(request, text)
        return redirect("communities:merge", pk=community.pk)
    elif action:
        messages.error(request, _("Choose an action from the page."))
        return redirect("communities:merge", pk=community.pk)
    items = []
    for proposal in proposals:
        ours_absorbed = proposal.absorbed_id == community.pk
        our_agreement = (
            proposal.absorbed_agreed_by_id if ours_absorbed else proposal.kept_agreed_by_id
        )
        items.append(
            {
                "proposal": proposal,
                "other_name": proposal.kept.name if ours_absorbed else proposal.absorbed_name,
                "ours_goes_on": not ours_absorbed,
                "can_agree": proposal.status == MergeProposal.Status.OPEN and our_agreement is None,
            }
        )
    return render(
        request,
        "communities/merge.html",
        {"community": community, "form": form, "proposals": items},
    )
