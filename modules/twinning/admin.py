"""Wagtail admin of twinnings: a read-only list for the platform's and partners' staff.

Twinnings are the référents' and the town hall's decisions (``twinning.services``), so
the admin only shows them: no add, edit, delete, history or usage view, not even a URL.
Who sees what:

* platform staff (and superusers): every twinning;
* a hosting partner's staff: the twinnings with a community in one of their communes;
* anyone else: nothing (the permission policy refuses, Wagtail answers 302/403).

The core mounts this viewset behind the module guard (menu item hidden and views 404 on
the host of a commune that has the module off). The core's scope base
(``core.admin_scope``, with ``selectors.STAFF_SCOPE``): on a commune's host the list
shows that commune's twinnings; on the platform's host, those of the communes with the
module on.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from accounts.selectors import open_account_q
from accounts.staff import PLATFORM_STAFF_GROUP
from core import admin_scope
from modules.twinning.models import Twinning
from modules.twinning.selectors import STAFF_SCOPE, can_list_twinnings, twinnings_for_staff

READ_ONLY_ACTIONS = frozenset({"view"})


class TwinningStaffPolicy(BasePermissionPolicy):
    """Staff may view; nobody may add, change or delete a twinning in the admin."""

    def user_has_permission(self, user, action):
        return action in READ_ONLY_ACTIONS and can_list_twinnings(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return (
            self.user_has_permission(user, action)
            and twinnings_for_staff(user=user).filter(pk=instance.pk).exists()
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not READ_ONLY_ACTIONS.intersection(actions):
            return Twinning.objects.none()
        return twinnings_for_staff(user=user)

    def users_with_any_permission(self, actions):
        if not READ_ONLY_ACTIONS.intersection(actions):
            return get_user_model().objects.none()
        return (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True)
                | Q(groups__name=PLATFORM_STAFF_GROUP)
                | Q(hosting_partners__isnull=False),
                open_account_q(),
            )
            .distinct()
        )


def _communes(twinning: Twinning) -> str:
    a, b = twinning.community_a.commune, twinning.community_b.commune
    return a.name if a.pk == b.pk else f"{a.name} / {b.name}"


class TwinningIndexView(admin_scope.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("community_a__commune", "community_b__commune")
        )


class TwinningViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Twinning
    name = "twinnings"
    url_namespace = "twinning_admin"
    icon = "link"
    menu_label = _("Twinnings")
    add_to_admin_menu = True
    menu_order = 410
    add_to_reference_index = False

    commune_scope = STAFF_SCOPE
    index_view_class = TwinningIndexView
    inspect_view_enabled = False

    list_display = [
        "community_a",
        "community_b",
        Column("commune", label=_("Commune"), accessor=_communes),
        "status",
        "proposed_at",
        "decided_at",
        BooleanColumn("via_town_hall", label=capfirst(_("twinned by the town hall"))),
    ]
    list_filter = ["status"]
    ordering = ["-proposed_at", "-pk"]

    def get_urlpatterns(self):
        """The list only: without a URL, no write can reach a twinning from the admin."""
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_permissions_to_register(self):
        # Groups get nothing to tick: the policy above decides, not Django permissions.
        return Permission.objects.none()

    def register_admin_url_finder(self):
        # No edit view to send anyone to.
        return None
