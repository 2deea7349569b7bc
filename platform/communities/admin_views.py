"""Communities in the Wagtail admin: the platform's staff and partner town halls.

Platform staff ("Communities" menu, ``accounts.staff.is_platform_staff``):

* every community on a map and in a list; one community's page to lift or
  restore its area cap, choose its validation mode and redraw its boundary
  (CTY-2, CTY-4);
* membership requests waiting for them: escalated after the delay (CTY-5) or
  of communities validated by the platform's staff (CTY-4);
* exclusions asked by référents: execute or reject; lift an executed one so
  the person may ask again (CTY-8);
* merges both sides agreed to: execute (CTY-12).

Partner town halls (COM-2): the staff of a commune flagged ``is_partner`` (and
its hosting partner's staff) see its communities on a map, with names,
creation dates and member counts; holders of ``contact_referents`` (the mayor,
the police, who see this page read-only) also see each community's référents by
name, with a link to write to them (``messaging``'s admin); its mayor chooses
the validation mode of every community of the commune and the police contact.

Every write goes through ``communities.services`` (or
``communes.services.partner_settings_update`` for the commune's
settings) inside ``core.forms.service_errors``: a service's refusal becomes a
message or a form error. Every read is a ``communities.selectors`` queryset (one
query per list). People are shown through the privacy matrix (``privacy.matrix``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from accounts.staff import is_platform_staff
from communes.models import Commune
from communes.roles import CONTACT_REFERENTS, MANAGE_STAFF
from communes.selectors import commune_permission, communes_of_staff, communes_with_permission
from communes.services import PARTNER_SETTINGS_FIELDS, partner_settings_update
from communities import selectors, services
from communities.admin_forms import (
    AreaCapForm,
    BoundaryForm,
    ExclusionDecisionForm,
    MembershipDecisionForm,
    PartnerSettingsForm,
    ValidationModeForm,
)
from communities.models import Community, ValidationMode
from core.forms import service_errors
from privacy.matrix import attach_cards, build_card, cards_by_id, former_member_card
from privacy.relations import Relation

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZE = 30
REQUESTED_LIMIT = 100
TITLE = gettext_lazy("Communities")
PARTNER_TITLE = gettext_lazy("Communities of the commune")
STAFF_VIEW = frozenset({Relation.COMMUNE_STAFF})


# --- shared pieces -------------------------------------------------------------------------


def map_config() -> dict:
    return {
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
        "center": "{},{}".format(*settings.LEAFLET_CONFIG.get("DEFAULT_CENTER", (46.6, 1.9))),
        "zoom": settings.LEAFLET_CONFIG.get("DEFAULT_ZOOM", 6),
    }


def feature_collection(communities, *, url_name: str | None = None, highlight=None) -> dict:
    """GeoJSON of boundaries, for the admin maps (names as data, never as HTML)."""
    features = []
    for community in communities:
        properties = {"name": community.name}
        if url_name:
            properties["url"] = reverse(url_name, args=[community.pk])
        if highlight is not None and community.pk == highlight:
            properties["current"] = True
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(community.area.geojson),
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def annotate_row(community: Community) -> Community:
    """What a list row shows besides the model's fields."""
    # Display attributes for the row's template (not model fields).
    community.mode_label, community.mode_imposed = mode_label(community)  # type: ignore[attr-defined]  # a display attribute, not a model field
    community.area_km2 = community.area_m2 / 1_000_000  # type: ignore[attr-defined]  # a display attribute, not a model field
    return community


def mode_label(community: Community) -> tuple[str, bool]:
    """The validation mode in force and whether the partner town hall imposes it."""
    commune = community.commune
    imposed = bool(commune.is_partner and commune.community_validation_mode)
    return str(ValidationMode(community.effective_validation_mode).label), imposed


def form_errors(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


def back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


def platform_staff_only(view):
    def wrapped(request, *args, **kwargs):
        if not is_platform_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


class PlatformStaffMixin:
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        if not is_platform_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("communities_admin"), "label": TITLE},
            {"url": "", "label": self.get_page_title()},
        ]


# --- communities (platform staff) ----------------------------------------------------------


class CommunityListView(PlatformStaffMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "communities/admin/index.html"
    page_title = TITLE

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        page = Paginator(selectors.communities_for_staff(query), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        rows = [annotate_row(community) for community in page.object_list]
        context.update(
            page_obj=page,
            communities=rows,
            query=query,
            map=map_config(),
            map_data=feature_collection(rows, url_name="communities_admin_detail"),
        )
        return context


class CommunityDetailView(PlatformStaffMixin, WagtailAdminTemplateMixin, TemplateView):
    """One community: area cap, validation mode and boundary, each through its service."""

    template_name = "communities/admin/detail.html"
    FORMS = {"cap": AreaCapForm, "mode": ValidationModeForm, "boundary": BoundaryForm}

    def dispatch(self, request, *args, **kwargs):
        if not is_platform_staff(request.user):
            raise PermissionDenied
        self.community = selectors.access_community(
            request.user,
            kwargs["pk"],
            as_=selectors.STAFF,
            queryset=selectors.communities_for_staff(),
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.community.name

    def get_page_subtitle(self):
        return self.community.commune.name

    def initial_forms(self) -> dict:
        community = self.community
        return {
            "cap": AreaCapForm(
                prefix="cap", initial={"lifted": "1" if community.area_cap_lifted else "0"}
            ),
            "mode": ValidationModeForm(
                prefix="mode", initial={"validation_mode": community.validation_mode}
            ),
            "boundary": BoundaryForm(prefix="boundary", initial={"area": community.area.geojson}),
        }

    def get_context_data(self, forms=None, **kwargs):
        context = super().get_context_data(**kwargs)
        community = annotate_row(self.community)
        neighbours = list(
            selectors.communities_near_community(community, 2000).only("pk", "name", "area")[:50]
        )
        context.update(
            community=community,
            forms={**self.initial_forms(), **(forms or {})},
            map=map_config(),
            map_data=feature_collection(
                [community, *neighbours],
                url_name="communities_admin_detail",
                highlight=community.pk,
            ),
            boundary=json.loads(community.area.geojson),
            showcase=selectors.showcase_page_of(community),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        form_class = self.FORMS.get(action)
        if form_class is None:
            return redirect("communities_admin_detail", pk=self.community.pk)
        form = form_class(request.POST, prefix=action)
        if form.is_valid():
            with service_errors(form) as call:
                message = self.apply(action, form.cleaned_data)
            if call.ok:
                messages.success(request, message)
                return redirect("communities_admin_detail", pk=self.community.pk)
        return self.render_to_response(self.get_context_data(forms={action: form}))

    def apply(self, action: str, data: dict) -> str:
        # A Wagtail admin view: the person is signed in.
        by, community = cast("User", self.request.user), self.community
        if action == "cap":
            services.community_set_area_cap(by=by, community=community, lifted=data["lifted"])
            if data["lifted"]:
                return _("The area cap of %(name)s is lifted.") % {"name": community.name}
            return _("%(name)s is limited to 1 km² again.") % {"name": community.name}
        if action == "mode":
            services.community_set_validation_mode(
                by=by, community=community, mode=data["validation_mode"]
            )
            return _("Validation mode of %(name)s saved.") % {"name": community.name}
        services.community_set_boundary(by=by, community=community, area=data["area"])
        return _("Boundary of %(name)s saved.") % {"name": community.name}


# --- membership requests (platform staff) ----------------------------------------------------


class RequestsView(PlatformStaffMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "communities/admin/requests.html"
    page_title = gettext_lazy("Membership requests")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.requests_for_platform_staff(), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        context.update(
            page_obj=page,
            memberships=attach_cards(self.request.user, page.object_list, "user"),
            reason_max_length=MembershipDecisionForm.base_fields["reason"].max_length,
        )
        return context


@require_POST
@platform_staff_only
def request_decide(request, pk: int):
    membership = selectors.requests_for_platform_staff().filter(pk=pk).first()
    if membership is None:
        raise Http404
    form = MembershipDecisionForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back(request, "communities_admin_requests"))
    accept = form.cleaned_data["accept"]
    with service_errors() as call:
        services.membership_decide(
            membership=membership,
            by=request.user,
            accept=accept,
            reason="" if accept else form.cleaned_data["reason"],
        )
    if not call.ok:
        messages.error(request, call.error)
    else:
        messages.success(
            request,
            _("The request is accepted: the person is told by email.")
            if accept
            else _("The request is refused: the person is told by email."),
        )
    return redirect(back(request, "communities_admin_requests"))


# --- exclusions (platform staff) ------------------------------------------------------------


def _attach_exclusion_cards(viewer, *lists) -> None:
    """Cards of members and requesters of every list, in one query."""
    ids = set()
    for rows in lists:
        for row in rows:
            ids.update({row.member_id, row.requested_by_id})
    cards = cards_by_id(viewer, ids)
    for rows in lists:
        for row in rows:
            row.member_card = cards.get(row.member_id) or former_member_card()
            row.requested_by_card = cards.get(row.requested_by_id) or former_member_card()


class ExclusionsView(PlatformStaffMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "communities/admin/exclusions.html"
    page_title = gettext_lazy("Exclusions")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Requests wait for a decision: few, all shown (the oldest first, up to a limit).
        requested_rows = list(selectors.requested_exclusions()[: REQUESTED_LIMIT + 1])
        more_requested = len(requested_rows) > REQUESTED_LIMIT
        requested_rows = requested_rows[:REQUESTED_LIMIT]
        executed = Paginator(selectors.executed_exclusions(), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        executed_rows = list(executed.object_list)
        _attach_exclusion_cards(self.request.user, requested_rows, executed_rows)
        context.update(
            requested=requested_rows,
            more_requested=more_requested,
            executed_page=executed,
            executed=executed_rows,
            note_max_length=ExclusionDecisionForm.base_fields["note"].max_length,
        )
        return context


@require_POST
@platform_staff_only
def exclusion_decide(request, pk: int):
    exclusion = selectors.requested_exclusions().filter(pk=pk).first()
    if exclusion is None:
        raise Http404
    form = ExclusionDecisionForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(back(request, "communities_admin_exclusions"))
    execute = form.cleaned_data["execute"]
    with service_errors() as call:
        services.exclusion_decide(
            by=request.user, exclusion=exclusion, execute=execute, note=form.cleaned_data["note"]
        )
    if not call.ok:
        messages.error(request, call.error)
    else:
        messages.success(
            request,
            _("The exclusion is executed: the member left the community and is told by email.")
            if execute
            else _("The request of exclusion is rejected: the référent is told by email."),
        )
    return redirect(back(request, "communities_admin_exclusions"))


@require_POST
@platform_staff_only
def exclusion_lift(request, pk: int):
    exclusion = selectors.exclusion(pk)
    if exclusion is None:
        raise Http404
    with service_errors() as call:
        services.exclusion_lift(by=request.user, exclusion=exclusion)
    if not call.ok:
        messages.error(request, call.error)
    else:
        messages.success(
            request, _("The person may ask to join %(name)s again.") % {"name": exclusion.community}
        )
    return redirect(back(request, "communities_admin_exclusions"))


# --- merges (platform staff) -----------------------------------------------------------------


class MergesView(PlatformStaffMixin, WagtailAdminTemplateMixin, TemplateView):
    """CTY-12: proposals every side agreed to (to execute) first, then those still waiting
    for a side; each with all its communities and their agreement."""

    template_name = "communities/admin/merges.html"
    page_title = gettext_lazy("Merges")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        proposals = selectors.merge_proposals_for_staff().filter(status__in=selectors.MERGE_ACTIVE)
        page = Paginator(proposals, PAGE_SIZE).get_page(self.request.GET.get("p"))
        rows = list(page.object_list)
        cards = cards_by_id(
            self.request.user,
            [
                pk
                for row in rows
                for pk in (
                    row.proposed_by_id,
                    *(side.agreed_by_id for side in row.ordered_sides),
                )
            ],
        )
        for row in rows:
            row.proposed_by_card = cards.get(row.proposed_by_id) or former_member_card()
            row.side_rows = [
                {
                    "side": side,
                    "agreed_by_card": (cards.get(side.agreed_by_id) or former_member_card())
                    if side.agreed
                    else None,
                }
                for side in row.ordered_sides
            ]
            row.can_execute = row.status == row.Status.AGREED
        context.update(page_obj=page, merges=rows)
        return context


@require_POST
@platform_staff_only
def merge_execute(request, pk: int):
    proposal = selectors.merge_proposals().filter(pk=pk).first()
    if proposal is None:
        raise Http404
    absorbed = ", ".join(side.name for side in proposal.absorbed_sides)
    with service_errors() as call:
        kept = services.merge_execute(by=request.user, proposal=proposal)
    if not call.ok:
        messages.error(request, call.error)
    else:
        messages.success(
            request,
            _("Merged into “%(kept)s”: %(absorbed)s.") % {"absorbed": absorbed, "kept": kept.name},
        )
    return redirect(back(request, "communities_admin_merges"))


@require_POST
@platform_staff_only
def merge_cancel(request, pk: int):
    proposal = selectors.merge_proposals().filter(pk=pk).first()
    if proposal is None:
        raise Http404
    with service_errors() as call:
        services.merge_cancel(by=request.user, proposal=proposal)
    if not call.ok:
        messages.error(request, call.error)
    else:
        messages.success(request, _("The merge proposal is cancelled."))
    return redirect(back(request, "communities_admin_merges"))


# --- partner town hall (COM-2) ------------------------------------------------------------


def partner_communes(request):
    """Partner communes whose staff the user is, or whose référents they may write to
    (``contact_referents``: the police, who are not the town hall's staff); on a commune's
    host, that commune only."""
    current = getattr(request, "commune", None)
    if current is not None and not current.is_partner:
        return Commune.objects.none()  # no query: every admin page asks for the menu
    user = request.user
    communes = Commune.objects.filter(
        Q(pk__in=communes_of_staff(user).values("pk"))
        | Q(pk__in=communes_with_permission(user, CONTACT_REFERENTS).values("pk")),
        is_partner=True,
    )
    if current is not None:
        communes = communes.filter(pk=current.pk)
    return communes.order_by("name", "pk")


def partner_home(request):
    """The menu's entry: the commune of this host, else the first partner commune."""
    commune = partner_communes(request).first()
    if commune is None:
        raise PermissionDenied
    return redirect("communities_partner", pk=commune.pk)


class PartnerCommuneMixin:
    """The partner commune of the URL, among the user's: 403 for any other commune."""

    header_icon = "group"
    # The settings are the mayor's (and the hosting partner's): ``manage_staff``.
    requires_manage_staff = False

    def dispatch(self, request, *args, **kwargs):
        self.commune = partner_communes(request).filter(pk=kwargs["pk"]).first()
        if self.commune is None:
            raise PermissionDenied
        if self.requires_manage_staff and not commune_permission(
            request.user, self.commune, MANAGE_STAFF
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.commune)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("communities_partner", args=[self.commune.pk]), "label": PARTNER_TITLE},
            {"url": "", "label": str(self.commune)},
        ]


class PartnerCommunitiesView(PartnerCommuneMixin, WagtailAdminTemplateMixin, TemplateView):
    """The communities of a partner commune: names, creation dates, member counts. Holders
    of ``contact_referents`` (police, mayor) also see each community's référents by name,
    with "Write" (a private message: e-mail addresses and phones stay private, PRIV)."""

    template_name = "communities/admin/partner.html"
    page_title = PARTNER_TITLE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.communities_of_commune(self.commune), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        rows = [annotate_row(community) for community in page.object_list]
        commune = self.commune
        sees_referents = commune_permission(self.request.user, commune, CONTACT_REFERENTS)
        if sees_referents:
            referents = selectors.referents_by_community(rows)
            for community in rows:
                # The town hall's view of a person (PRIV): their name; the template shows
                # nothing else (no e-mail, no phone).
                community.referent_cards = [  # display attribute
                    build_card(person, STAFF_VIEW) for person in referents[community.pk]
                ]
        context.update(
            sees_referents=sees_referents,
            # The police sees the communities and their référents, not the town hall's
            # settings (COM-2).
            is_town_hall=communes_of_staff(self.request.user).filter(pk=commune.pk).exists(),
            commune=commune,
            page_obj=page,
            communities=rows,
            map=map_config(),
            map_data=feature_collection(rows),
            can_manage=commune_permission(self.request.user, commune, MANAGE_STAFF),
            mode_display=commune.get_community_validation_mode_display()
            if commune.community_validation_mode
            else "",
        )
        return context


class PartnerSettingsView(PartnerCommuneMixin, WagtailAdminTemplateMixin, FormView):
    """The mayor chooses the validation mode of the commune's communities and the police."""

    template_name = "wagtailadmin/generic/form.html"
    form_class = PartnerSettingsForm
    page_title = gettext_lazy("Communities: settings of the town hall")
    requires_manage_staff = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.commune}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=reverse("communities_partner_settings", args=[self.commune.pk]),
            submit_button_label=_("Save"),
            submit_button_active_label=_("Saving…"),
        )
        return context

    def form_valid(self, form):
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in PARTNER_SETTINGS_FIELDS
        }
        with service_errors(form) as call:
            partner_settings_update(by=self.request.user, commune=self.commune, **fields)
        if not call.ok:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Community settings of %(commune)s saved.") % {"commune": self.commune},
        )
        return redirect("communities_partner", pk=self.commune.pk)


urlpatterns = [
    path("communities/", CommunityListView.as_view(), name="communities_admin"),
    path("communities/<int:pk>/", CommunityDetailView.as_view(), name="communities_admin_detail"),
    path("communities/requests/", RequestsView.as_view(), name="communities_admin_requests"),
    path(
        "communities/requests/<int:pk>/decide/",
        request_decide,
        name="communities_admin_request_decide",
    ),
    path("communities/exclusions/", ExclusionsView.as_view(), name="communities_admin_exclusions"),
    path(
        "communities/exclusions/<int:pk>/decide/",
        exclusion_decide,
        name="communities_admin_exclusion_decide",
    ),
    path(
        "communities/exclusions/<int:pk>/lift/",
        exclusion_lift,
        name="communities_admin_exclusion_lift",
    ),
    path("communities/merges/", MergesView.as_view(), name="communities_admin_merges"),
    path(
        "communities/merges/<int:pk>/execute/",
        merge_execute,
        name="communities_admin_merge_execute",
    ),
    path(
        "communities/merges/<int:pk>/cancel/",
        merge_cancel,
        name="communities_admin_merge_cancel",
    ),
    path("commune-communities/", partner_home, name="communities_partner_home"),
    path(
        "commune-communities/<int:pk>/",
        PartnerCommunitiesView.as_view(),
        name="communities_partner",
    ),
    path(
        "commune-communities/<int:pk>/settings/",
        PartnerSettingsView.as_view(),
        name="communities_partner_settings",
    ),
]
