"""Communities in the Wagtail admin: menus, URLs, the référents' kit snippet.

* "Communities" (platform staff only): all communities, membership requests,
  exclusions, merges and the référents' kit (``communities.admin_views``).
* "Communities of the commune" (staff of a partner town hall, and its police who see
  the référents and write to them, COM-2).
* ``ReferentKitDocument`` is a snippet only the platform staff see and edit;
  its documents go to the private "Kit référent" collection (``communities.kit``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.selectors import open_account_q
from accounts.staff import PLATFORM_STAFF_GROUP, is_platform_staff
from communities import admin_views, kit, selectors
from communities.models import ReferentKitDocument
from core.admin_menu import CountedMenuItem

# --- the référents' kit (CTY-12) -----------------------------------------------------------


class PlatformStaffPolicy(BasePermissionPolicy):
    """Platform staff (and superusers) do everything with the model; nobody else anything."""

    def user_has_permission(self, user, action):
        return is_platform_staff(user)

    def users_with_any_permission(self, actions):
        return (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True) | Q(groups__name=PLATFORM_STAFF_GROUP), open_account_q()
            )
            .distinct()
        )


# Registered first, before anything asks Wagtail for this model's policy.
register_permission_policy(ReferentKitDocument, PlatformStaffPolicy(ReferentKitDocument))


class ReferentKitViewSet(SnippetViewSet):
    model = ReferentKitDocument
    icon = "doc-full"
    menu_label = _("Référent kit")
    add_to_admin_menu = False
    list_display = ["title", "document", "sort_order"]
    ordering = ["sort_order", "title"]
    search_fields = ["title", "description"]
    copy_view_enabled = False


kit_viewset = ReferentKitViewSet()
register_snippet(kit_viewset)


def _prepare_kit_collection(request, *args):
    """Before the form opens: the private collection exists, so uploads can go there."""
    model = args[0] if args else None
    if model is ReferentKitDocument or isinstance(model, ReferentKitDocument):
        kit.kit_collection()


def _file_kit_document(request, instance):
    if isinstance(instance, ReferentKitDocument):
        kit.move_to_kit(instance.document)


hooks.register("before_create_snippet", _prepare_kit_collection)
hooks.register("before_edit_snippet", _prepare_kit_collection)
hooks.register("after_create_snippet", _file_kit_document)
hooks.register("after_edit_snippet", _file_kit_document)
hooks.register("before_serve_document", kit.refuse_kit_document)


# --- URLs and menus ------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_communities_urls():
    return admin_views.urlpatterns


class PlatformStaffMenuItem(MenuItem):
    def is_shown(self, request):
        # The platform staff group holds this permission (migration 0002); has_perm
        # reads the permission cache the other menu items already filled.
        return request.user.has_perm("communities.manage_communities")


class StaffCountedMenuItem(PlatformStaffMenuItem, CountedMenuItem):
    """A platform staff entry whose label counts what waits for them."""


def _pending_requests() -> int:
    return selectors.requests_for_platform_staff().count()


def _requested_exclusions() -> int:
    return selectors.requested_exclusions().count()


def _agreed_merges() -> int:
    return selectors.agreed_merges().count()


@hooks.register("register_admin_menu_item")
def register_communities_menu():
    items = [
        PlatformStaffMenuItem(
            _("All communities"),
            reverse("communities_admin"),
            icon_name="list-ul",
            name="communities-all",
            order=100,
        ),
        StaffCountedMenuItem(
            _("Membership requests"),
            reverse("communities_admin_requests"),
            icon_name="user",
            name="communities-requests",
            order=110,
            count=_pending_requests,
        ),
        StaffCountedMenuItem(
            _("Exclusions"),
            reverse("communities_admin_exclusions"),
            icon_name="warning",
            name="communities-exclusions",
            order=120,
            count=_requested_exclusions,
        ),
        StaffCountedMenuItem(
            _("Merges"),
            reverse("communities_admin_merges"),
            icon_name="resubmit",
            name="communities-merges",
            order=130,
            count=_agreed_merges,
        ),
        PlatformStaffMenuItem(
            _("Référent kit"),
            reverse(kit_viewset.get_url_name("list")),
            icon_name="doc-full",
            name="communities-kit",
            order=140,
        ),
    ]
    return SubmenuMenuItem(
        admin_views.TITLE, Menu(items=items), icon_name="group", name="communities", order=160
    )


class PartnerMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.partner_communes(request).exists()


@hooks.register("register_admin_menu_item")
def register_partner_menu():
    return PartnerMenuItem(
        admin_views.PARTNER_TITLE,
        reverse("communities_partner_home"),
        icon_name="group",
        order=153,
        name="commune-communities",
    )
