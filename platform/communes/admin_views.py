"""Wagtail admin of hosting partners (COM-3, COM-4): their communes, modules and plans.

Who may do what is one permission policy per model, registered with Wagtail
(``wagtail_hooks.py``): partner staff and superusers manage the communes and
plans of their partners; hosting partners themselves are the superusers'.
Objects are fetched through the partner-scoped selectors, so another partner's
commune or plan answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BasePermissionPolicy

from communes.forms import (
    COMMUNE_EDIT_FIELDS,
    CommuneCreateForm,
    CommuneEditForm,
    HostingPartnerForm,
    ModuleSwitchesForm,
    PlanForm,
)
from communes.models import Commune, HostingPartner, Plan
from communes.selectors import communes_managed_by, is_partner_staff, plans_for_user
from communes.services import (
    CommuneIdentity,
    commune_create,
    commune_update,
    module_set_enabled,
    plan_save,
)
from communes.territory import territory_update
from core.access import is_open_account, open_account_q
from core.admin_labels import FEMININE, MASCULINE, FrenchGenderMixin
from core.forms import service_errors
from core.modules import registry

PARTNER_STAFF_GROUP = "Hébergeurs"


# --- permission policies -----------------------------------------------------------


def is_hosting_staff(user) -> bool:
    """Partner staff or superuser; cached on the user object for the request."""
    if not is_open_account(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_hosting_staff", None)
    if cached is None:
        cached = user._is_hosting_staff = is_partner_staff(user)
    return cached


class PartnerScopedPolicy(BasePermissionPolicy):
    """Partner staff add and change what belongs to their partners; nobody deletes here."""

    actions = frozenset({"add", "change"})

    def __init__(self, model, scope):
        super().__init__(model)
        self.scope = scope

    def user_has_permission(self, user, action):
        return action in self.actions and is_hosting_staff(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return (
            self.user_has_permission(user, action)
            and self.scope(user).filter(pk=instance.pk).exists()
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if any(self.user_has_permission(user, action) for action in actions):
            return self.scope(user)
        return self.model._default_manager.none()

    def users_with_any_permission(self, actions):
        if not self.actions.intersection(actions):
            return get_user_model().objects.none()
        return (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True) | Q(hosting_partners__isnull=False), open_account_q()
            )
            .distinct()
        )


class SuperuserPolicy(BasePermissionPolicy):
    actions = frozenset({"add", "change"})

    def user_has_permission(self, user, action):
        return action in self.actions and bool(
            getattr(user, "is_superuser", False) and is_open_account(user)
        )

    def users_with_any_permission(self, actions):
        if not self.actions.intersection(actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(open_account_q(), is_superuser=True)


commune_policy = PartnerScopedPolicy(Commune, communes_managed_by)
plan_policy = PartnerScopedPolicy(
    Plan, lambda user: plans_for_user(user).select_related("hosting_partner")
)
hosting_partner_policy = SuperuserPolicy(HostingPartner)


# --- shared view pieces --------------------------------------------------------------


class ScopedObjectMixin:
    """Fetch the object among those the user may change: 404 for 'missing' and 'not yours'."""

    def get_queryset(self):
        return self.permission_policy.instances_user_has_permission_for(self.request.user, "change")

    def get_base_object_queryset(self):
        return self.get_queryset()


class ScopedHistoryView(ScopedObjectMixin, HistoryView):
    pass


class ScopedEditView(ScopedObjectMixin, generic.EditView):
    pass


class ScopedIndexView(generic.IndexView):
    def get_base_queryset(self):
        return self.permission_policy.instances_user_has_permission_for(self.request.user, "change")


class NoDeleteModelViewSet(ModelViewSet):
    """No delete or usage views: communes and plans are protected by their references."""

    copy_view_enabled = False
    history_view_class = ScopedHistoryView

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{"delete_url_name": None, "usage_url_name": None, **kwargs}
        )

    def get_urlpatterns(self):
        return [
            pattern
            for pattern in super().get_urlpatterns()
            if pattern.name not in {"delete", "usage"}
        ]


# --- communes -----------------------------------------------------------------------


def module_name(label: str) -> str:
    """A module's name for people ("Annonces"), its label when it is not installed."""
    try:
        return str(registry.get(label).verbose_name)
    except LookupError:
        return label


def enabled_modules_label(commune: Commune) -> str:
    return ", ".join(sorted(module_name(label) for label in commune.enabled_modules())) or "—"


class CommuneIndexView(ScopedIndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            MenuItem(
                _("Modules"),
                url=reverse("commune:modules", args=[instance.pk]),
                icon_name="cogs",
                priority=15,
            )
        )
        return buttons


class ServiceErrorsMixin:
    """A service's refusal becomes form errors instead of a 500 (``core.forms.service_errors``)."""

    def form_valid(self, form):
        with service_errors(form):
            return super().form_valid(form)
        self.produced_error_code = "validation_error"
        self.produced_error_message = self.get_error_message()
        return self.form_invalid(form)


class CommuneCreateView(ServiceErrorsMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        identity = CommuneIdentity(
            name=data["name"],
            slug=data.get("slug") or "",
            country=data["country"],
            official_code=data["official_code"],
            postal_codes=data.get("postal_codes") or "",
            time_zone=data["time_zone"],
            population=data.get("population") or 0,
            contact_email=data.get("contact_email") or "",
            contact_phone=data.get("contact_phone") or "",
            contact_address=data.get("contact_address") or "",
            opening_hours=data.get("opening_hours") or "",
            theme=data.get("theme") or "default",
        )
        return commune_create(
            by=self.request.user,
            partner=data["hosting_partner"],
            identity=identity,
            hostname=data["hostname"],
            plan=data.get("plan"),
        )


class CommuneEditView(ServiceErrorsMixin, ScopedEditView):
    def save_instance(self):
        fields = {name: self.form.cleaned_data[name] for name in COMMUNE_EDIT_FIELDS}
        # COM-2: the partner flag is the hosting partner's; saved (and logged) with the rest.
        self.object.is_partner = self.form.cleaned_data["is_partner"]
        with transaction.atomic():
            commune = commune_update(by=self.request.user, commune=self.object, **fields)
            # COM-5: boundary, centre and radius (communes.territory).
            return territory_update(
                by=self.request.user, commune=commune, **self.form.territory_values()
            )

    def get_header_more_buttons(self):
        buttons = super().get_header_more_buttons()
        buttons.append(
            Button(
                _("Modules"),
                url=reverse("commune:modules", args=[self.object.pk]),
                icon_name="cogs",
                priority=15,
            )
        )
        return buttons


class CommuneModulesView(WagtailAdminTemplateMixin, FormView):
    """A checkbox per installed module; each change goes through ``module_set_enabled``."""

    template_name = "communes/admin/modules.html"
    form_class = ModuleSwitchesForm
    header_icon = "cogs"
    page_title = _("Modules")

    def dispatch(self, request, pk):
        if not commune_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        self.commune = communes_managed_by(request.user).filter(pk=pk).first()
        if self.commune is None:
            raise Http404
        return super().dispatch(request)

    def get_page_subtitle(self):
        return str(self.commune)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("commune:index"), "label": Commune._meta.verbose_name_plural},
            {"url": reverse("commune:edit", args=[self.commune.pk]), "label": str(self.commune)},
            {"url": "", "label": _("Modules")},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "commune": self.commune}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            commune=self.commune,
            action_url=reverse("commune:modules", args=[self.commune.pk]),
            submit_button_label=_("Save"),
            submit_button_active_label=_("Saving…"),
        )
        return context

    def form_valid(self, form):
        changed = []
        with transaction.atomic():
            for label in form.changed_data:
                module_set_enabled(
                    by=self.request.user,
                    commune=self.commune,
                    module=label,
                    enabled=form.cleaned_data[label],
                )
                changed.append(label)
        if changed:
            messages.success(
                self.request,
                _("Modules of %(commune)s saved.") % {"commune": self.commune},
            )
        return redirect("commune:modules", pk=self.commune.pk)


class CommuneViewSet(FrenchGenderMixin, NoDeleteModelViewSet):
    model_gender = FEMININE
    model = Commune
    icon = "site"
    menu_label = _("Communes")
    menu_name = "communes"
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = CommuneIndexView
    add_view_class = CommuneCreateView
    edit_view_class = CommuneEditView
    list_display = [
        "name",
        Column("country", label=_("country"), accessor="get_country_display"),
        Column("official_code", label=_("official code")),
        Column("hostname", label=_("host name")),
        Column("plan", label=_("plan")),
        Column("modules", label=_("enabled modules"), accessor=enabled_modules_label),
    ]
    list_filter = ["country"]
    search_fields = ["name", "official_code", "slug"]
    ordering = ["name"]

    def get_form_class(self, for_update=False):
        return CommuneEditForm if for_update else CommuneCreateForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("modules/<int:pk>/", CommuneModulesView.as_view(), name="modules"),
        ]


# --- plans --------------------------------------------------------------------------


class PlanCreateView(generic.CreateView):
    def save_instance(self):
        return plan_save(by=self.request.user, plan=self.form.instance, created=True)


class PlanEditView(ScopedEditView):
    def save_instance(self):
        return plan_save(by=self.request.user, plan=self.form.instance, created=False)


class PlanViewSet(FrenchGenderMixin, NoDeleteModelViewSet):
    model_gender = FEMININE  # une formule
    model = Plan
    icon = "tag"
    menu_label = _("Subscription plans")
    menu_name = "plans"
    menu_order = 251
    add_to_admin_menu = True
    index_view_class = ScopedIndexView
    add_view_class = PlanCreateView
    edit_view_class = PlanEditView
    list_display = [
        "name",
        Column("hosting_partner", label=_("hosting partner")),
        Column("bracket", label=_("population bracket"), accessor="bracket_label"),
        Column("period", label=_("period"), accessor="get_period_display"),
        Column("price", label=_("price")),
        Column("currency", label=_("currency")),
    ]
    ordering = ["hosting_partner__name", "min_population"]

    def get_form_class(self, for_update=False):
        return PlanForm


# --- hosting partners (superusers) -------------------------------------------------


def partner_staff_group() -> Group:
    """The group that opens the Wagtail admin to partner staff (made on first use)."""
    group, created = Group.objects.get_or_create(name=PARTNER_STAFF_GROUP)
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    return group


def sync_partner_staff_group() -> None:
    """Partner staff are in the group; people no longer staff of any partner leave it."""
    group = partner_staff_group()
    User = get_user_model()
    staff = User.objects.filter(hosting_partners__isnull=False).distinct()
    group.user_set.add(*staff.exclude(groups=group))
    group.user_set.remove(*group.user_set.exclude(pk__in=staff.values("pk")))


class HostingPartnerSaveMixin:
    def save_instance(self):
        instance = super().save_instance()
        sync_partner_staff_group()
        return instance


class HostingPartnerCreateView(HostingPartnerSaveMixin, generic.CreateView):
    pass


class HostingPartnerEditView(HostingPartnerSaveMixin, generic.EditView):
    pass


class HostingPartnerViewSet(FrenchGenderMixin, NoDeleteModelViewSet):
    model_gender = MASCULINE  # un hébergeur
    model = HostingPartner
    icon = "group"
    menu_label = _("Hosting partners")
    menu_name = "hosting-partners"
    menu_order = 252
    add_to_admin_menu = True
    add_view_class = HostingPartnerCreateView
    edit_view_class = HostingPartnerEditView
    list_display = ["name", "slug", "contact_email"]
    search_fields = ["name", "slug"]
    ordering = ["name"]

    def get_form_class(self, for_update=False):
        return HostingPartnerForm
