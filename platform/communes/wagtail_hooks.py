from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from communes import staff_admin, town_hall_admin
from communes.admin_views import (
    CommuneViewSet,
    HostingPartnerViewSet,
    PlanViewSet,
    commune_policy,
    hosting_partner_policy,
    module_name,
    plan_policy,
)
from communes.models import Commune, HostingPartner, Plan

# Registered first, before anything asks Wagtail for these models' policies.
register_permission_policy(Commune, commune_policy)
register_permission_policy(Plan, plan_policy)
register_permission_policy(HostingPartner, hosting_partner_policy)


@hooks.register("register_admin_viewset")
def register_hosting_viewsets():
    return [
        CommuneViewSet("commune"),
        PlanViewSet("plan"),
        HostingPartnerViewSet("hosting_partner"),
    ]


@hooks.register("register_log_actions")
def register_module_switch_actions(actions):
    @actions.register_action("communes.module_on")
    class ModuleOn(LogFormatter):
        label = _("Module switched on")

        def format_message(self, log_entry):
            return _("Module '%(module)s' switched on") % {
                "module": module_name(log_entry.data.get("module", ""))
            }

    @actions.register_action("communes.module_off")
    class ModuleOff(LogFormatter):
        label = _("Module switched off")

        def format_message(self, log_entry):
            return _("Module '%(module)s' switched off") % {
                "module": module_name(log_entry.data.get("module", ""))
            }


@hooks.register("register_admin_urls")
def register_town_hall_urls():
    return town_hall_admin.urlpatterns


@hooks.register("register_admin_menu_item")
def register_town_hall_menu_item():
    return town_hall_admin.menu_item()


# Town-hall staff roles (communes.roles).
hooks.register("register_admin_urls", lambda: staff_admin.urlpatterns)
hooks.register("register_admin_menu_item", staff_admin.menu_item)
hooks.register("register_log_actions", staff_admin.register_log_actions)


@hooks.register("register_log_actions")
def register_follow_actions(actions):
    """Follows (ACC-9, ACC-10); their screen is accounts.residents_admin."""

    @actions.register_action("communes.follow_request")
    class FollowRequest(LogFormatter):
        label = _("Request to follow the commune")

    @actions.register_action("communes.follow_validate")
    class FollowValidate(LogFormatter):
        label = _("Resident validated")

    @actions.register_action("communes.follow_refuse")
    class FollowRefuse(LogFormatter):
        label = _("Resident refused")

    @actions.register_action("communes.follow_end")
    class FollowEnd(LogFormatter):
        label = _("Stopped following the commune")
