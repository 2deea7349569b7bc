"""TWN-2 in the Wagtail admin: a partner town hall twins all its communities, or undoes it.

One page per commune ("Twin the communities", ``/admin/twinning-town-hall/<commune>/``):
how many communities, how many pairs are twinned already (by the town hall, by the
référents), and two actions, each with a confirmation step (a POST with CSRF) through
``twinning.services`` (``commune_twin_all``, ``commune_untwin_all``), logged on the
commune (Wagtail's history) with the count.

Who: the commune's staff see the page; those whom ``services.can_twin_commune`` allows
(the mayor, the hosting partner's staff, superusers, of a partner commune) act. A
town-hall member without ``manage_staff`` gets 403; anyone who is not the commune's
staff, a missing commune or one that has the module off, 404. A commune that is not a
partner: the page says why (the service's own message) and the service refuses a POST.

Registered by ``modules/twinning/wagtail_hooks.py`` behind the core's module guard
(``core.modules.guard_admin_viewset``): on the host of a commune that has the module off,
404 and no menu item.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.log_actions import log

from communes.models import Commune
from communes.roles import MANAGE_STAFF
from communes.selectors import commune_permission, communes_of_staff, communes_with_permission
from communities.models import Community
from core.forms import service_error_text
from core.modules import registry
from modules.twinning import services
from modules.twinning.selectors import twinnings_of_commune

LABEL = "twinning"
TITLE = gettext_lazy("Twin the communities")
ACTION_TWIN_ALL = "twinning.town_hall_twin_all"
ACTION_UNDO = "twinning.town_hall_undo"


def town_hall_communes(user):
    """Partner communes, with the module on, where ``user`` may twin every community."""
    if not user.is_authenticated:
        return Commune.objects.none()
    return (
        communes_with_permission(user, MANAGE_STAFF)
        .filter(is_partner=True, pk__in=registry.enabled_communes(LABEL).values("pk"))
        .order_by("name", "pk")
    )


def _scoped(request, communes):
    current = getattr(request, "commune", None)
    return communes.filter(pk=current.pk) if current is not None else communes


class TownHallMenuItem(MenuItem):
    def is_shown(self, request):
        return _scoped(request, town_hall_communes(request.user)).exists()


def refusal(user, commune: Commune) -> str:
    """Why the service would refuse ``user`` on ``commune`` (its own words), or ``""``."""
    if services.can_twin_commune(user, commune):
        return ""
    try:
        services._require_town_hall(user, commune)
    except PermissionDenied as error:
        return service_error_text(error)
    return ""


class CommuneTownHallMixin:
    """The commune of the URL: 404 unless it exists, has the module on and ``user`` is its
    staff; 403 for its staff without ``manage_staff`` (the mayor's and partner's power)."""

    header_icon = "link"
    page_title = TITLE

    def dispatch(self, request, *args, **kwargs):
        commune = _scoped(request, communes_of_staff(request.user)).filter(pk=kwargs["pk"]).first()
        if commune is None or not registry.is_enabled(commune, LABEL):
            raise Http404
        self.commune = commune
        if not commune_permission(request.user, commune, MANAGE_STAFF):
            response = self.render_to_response(self.get_context_data(forbidden=True), status=403)
            return response
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.commune)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("twinning_town_hall:commune", args=[self.commune.pk]), "label": TITLE},
            {"url": "", "label": str(self.commune)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        commune = self.commune
        communities = Community.objects.filter(commune=commune).count()
        active = twinnings_of_commune(commune).active()
        by_town_hall = active.filter(via_town_hall=True).count()
        by_referents = active.filter(via_town_hall=False).count()
        pairs = communities * (communities - 1) // 2
        context.update(
            commune=commune,
            communities=communities,
            pairs=pairs,
            by_town_hall=by_town_hall,
            by_referents=by_referents,
            untwinned=max(pairs - by_town_hall - by_referents, 0),
            refusal="" if kwargs.get("forbidden") else refusal(self.request.user, commune),
            forbidden=kwargs.get("forbidden", False),
        )
        return context


class TownHallView(CommuneTownHallMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "twinning/admin/town_hall.html"


class TownHallActionView(CommuneTownHallMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET: the confirmation page; POST: the service, a message with the count, the log."""

    template_name = "twinning/admin/town_hall_confirm.html"
    action = ""  # "twin_all" or "undo"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action"] = self.action
        return context

    def post(self, request, *args, **kwargs):
        commune = self.commune
        back = redirect("twinning_town_hall:commune", pk=commune.pk)
        try:
            if self.action == "twin_all":
                count = services.commune_twin_all(by=request.user, commune=commune)
            else:
                count = services.commune_untwin_all(by=request.user, commune=commune)
        except PermissionDenied as error:
            messages.error(request, service_error_text(error))
            return back
        log(
            instance=commune,
            action=ACTION_TWIN_ALL if self.action == "twin_all" else ACTION_UNDO,
            user=request.user,
            data={"count": count},
        )
        if self.action == "twin_all":
            text = _("%(count)s pairs of communities of %(commune)s are now twinned.")
        else:
            text = _("%(count)s twinnings made by the town hall in %(commune)s ended.")
        messages.success(request, text % {"count": count, "commune": commune.name})
        return back


def home(request):
    """The menu's entry: this host's commune, else the first one the person may twin."""
    commune = _scoped(request, town_hall_communes(request.user)).first()
    if commune is None:
        raise Http404
    return redirect("twinning_town_hall:commune", pk=commune.pk)


class TownHallTwinningViewSet(ViewSet):
    name = "twinning_town_hall"
    url_prefix = "twinning-town-hall"
    icon = "link"
    menu_label = TITLE
    menu_name = "twinning_town_hall"
    add_to_admin_menu = True
    menu_order = 411  # right after the twinnings' list
    menu_item_class = TownHallMenuItem

    def get_urlpatterns(self):
        return [
            path("", home, name="index"),
            path("<int:pk>/", TownHallView.as_view(), name="commune"),
            path(
                "<int:pk>/twin-all/",
                TownHallActionView.as_view(action="twin_all"),
                name="twin_all",
            ),
            path("<int:pk>/undo/", TownHallActionView.as_view(action="undo"), name="undo"),
        ]
