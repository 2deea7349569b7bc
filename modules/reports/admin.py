"""Problem reports in the Wagtail admin: the town hall's and the technical services' screens
(REP-2, API-3).

The menu "Problem reports (n)" (``wagtail_hooks``: n = the new reports the person
handles) groups:

* "Dashboard" (``admin_views.DashboardView``): open reports by category × status,
  median times to acknowledge and to resolve over 90 days, the oldest open ones, a map,
  the CSV export;
* "Reports (n)": what the person handles (``selectors.handled_reports``: every report of
  the commune for the town hall, their services' for a technical agent), filtered by
  status, category, service and age, searched by title, address or number; ticking
  rows changes their status at once (``reports_admin:bulk``). A report opens on its
  handle page (``reports_admin:handle``): the reporter, photos, a map, the history, and
  the forms to update it, change its category, merge it into another;
* for the town hall only (``selectors.TOWN_HALL_SCOPE``): "Categories" (questions
  inline), "Technical services" (members among the commune's staff holding
  ``handle_reports``, through ``services.service_members_set``) and "Open311" (a key shown
  once when created, revocable).

Out-of-scope rows answer 404 (``core.admin_scope``); the writes go through ``services``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import django_filters
from django import forms
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import BaseColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from core import admin_scope
from core.admin_menu import CountedMenuItem
from core.forms import service_errors
from modules.reports import admin_views, exports, selectors, services
from modules.reports.models import Category, Integrator, Report, Service

Status = Report.Status

# The viewsets' items go in the "Problem reports" submenu (wagtail_hooks.py).
SUBMENU_HOOK = "register_reports_admin_menu_item"

AGES = {"7": 7, "30": 30, "90": 90}


# --- the reports ------------------------------------------------------------------------------


class ReportsMenuItem(CountedMenuItem):
    """ "Reports (n)": the new reports the person handles (and the dashboard's to-do)."""

    def count(self, request) -> int:
        return cached_new_count(request)


def cached_new_count(request) -> int:
    """One query per request for the menu's two counts (the group's and its item's)."""
    count = getattr(request, "_reports_new_count", None)
    if count is None:
        count = admin_views.new_in_scope(request)
        request._reports_new_count = count
    return count


class _CountedMenu:
    @cached_property
    def menu_item_class(self):
        base = super().menu_item_class
        return type(base.__name__, (ReportsMenuItem, base), {})


def _scoped(model, request, scope=selectors.STAFF_SCOPE):
    if request is None:
        return model.objects.none()
    return scope.for_request(model.objects.all(), request)


def _categories(request):
    if request is None:
        return Category.objects.none()
    categories = _scoped(Category, request)
    if not selectors.TOWN_HALL_SCOPE.serves(request):
        categories = categories.filter(service__in=selectors.services_of(request.user))
    return categories.order_by("position", "name")


def _services(request):
    if request is None:
        return Service.objects.none()
    services_ = _scoped(Service, request)
    if not selectors.TOWN_HALL_SCOPE.serves(request):
        services_ = services_.filter(pk__in=selectors.services_of(request.user).values("pk"))
    return services_.order_by("name")


class ReportFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("status"),
        choices=[
            ("open", pgettext_lazy("reports", "Open")),
            ("closed", pgettext_lazy("reports", "Closed")),
            *Status.choices,
        ],
        method="filter_status",
    )
    category = django_filters.ModelChoiceFilter(label=_("category"), queryset=_categories)
    service = django_filters.ModelChoiceFilter(
        label=_("technical service"), queryset=_services, field_name="category__service"
    )
    age = django_filters.ChoiceFilter(
        label=_("reported"),
        choices=[
            ("7", _("more than 7 days ago")),
            ("30", _("more than 30 days ago")),
            ("90", _("more than 90 days ago")),
        ],
        method="filter_age",
    )

    class Meta:
        model = Report
        fields = ["status", "category", "service", "age"]

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=Report.OPEN_STATUSES)
        if value == "closed":
            return queryset.filter(status__in=Report.CLOSED_STATUSES)
        return queryset.filter(status=value)

    def filter_age(self, queryset, name, value):
        days = AGES.get(value)
        if days is None:
            return queryset
        return queryset.filter(created_at__lt=timezone.now() - timedelta(days=days))


class TickColumn(BaseColumn):
    """A checkbox per row, tied to the bulk form by its ``form`` attribute."""

    cell_template_name = "reports/admin/_tick_cell.html"
    header_template_name = "reports/admin/_tick_header.html"


def _status_text(report: Report) -> str:
    text = str(report.get_status_display())
    if report.hidden_at is not None:
        return gettext("%(status)s · hidden by moderation") % {"status": text}
    return text


def _service_name(report: Report) -> str:
    service = report.category.service
    return service.name if service is not None else gettext("Town hall")


class ReportIndexView(admin_scope.IndexView):
    template_name = "reports/admin/index.html"
    number_pattern = re.compile(r"^#?\s*(\d{1,9})$")

    def get_base_queryset(self):
        handled = selectors.handled_reports(
            self.request.user, admin_views.host_commune(self.request)
        )
        return (
            super()
            .get_base_queryset()
            .filter(pk__in=handled.values("pk"))
            .select_related("category", "category__service", "commune")
        )

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        found = self.number_pattern.match(self.search_query.strip())
        if found:
            return queryset.filter(pk=int(found.group(1)))
        query = self.search_query.strip()
        return queryset.filter(Q(title__icontains=query) | Q(address__icontains=query))

    def order_queryset(self, queryset):
        if self.request.GET.get("ordering"):
            return super().order_queryset(queryset)
        return queryset.order_by("-created_at", "-pk")

    def get_edit_url(self, instance):
        return reverse("reports_admin:handle", args=[instance.pk])

    @cached_property
    def columns(self):
        return [TickColumn("tick", label=_("Choose")), *super().columns]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            bulk_form=admin_views.BulkForm(),
            bulk_url=reverse("reports_admin:bulk"),
            export_url=reverse("reports_admin:export") + self._query_string(),
            dashboard_url=reverse("reports_admin:dashboard"),
            here=self.request.get_full_path(),
        )
        return context

    def _query_string(self) -> str:
        query = self.request.GET.urlencode()
        return f"?{query}" if query else ""


class ReportExportView(ReportIndexView):
    """The index's rows (its filters and search, every page) as a CSV file."""

    def get(self, request, *args, **kwargs):
        return exports.reports_csv(exports.for_export(self.get_queryset()))


class ReportEditView(admin_scope.EditView):
    """Nobody edits a report's words: its "edit" leads to the handle page."""

    def dispatch(self, request, *args, **kwargs):
        report = get_object_or_404(admin_views.reports_in_scope(request), pk=kwargs["pk"])
        return redirect("reports_admin:handle", pk=report.pk)


class ReportHistoryView(admin_scope.HistoryView):
    any_permission_required = ["view", "change"]

    def get_base_object_queryset(self):
        handled = selectors.handled_reports(
            self.request.user, admin_views.host_commune(self.request)
        )
        return super().get_base_object_queryset().filter(pk__in=handled.values("pk"))

    def get_edit_url(self, instance):
        return reverse("reports_admin:handle", args=[instance.pk])


class ReportViewSet(admin_scope.CommuneScopedViewSetMixin, _CountedMenu, ModelViewSet):
    model = Report
    name = "reports"
    url_prefix = "reports"
    url_namespace = "reports_admin"
    icon = "warning"
    menu_label = pgettext_lazy("admin menu", "Reports")
    menu_hook = SUBMENU_HOOK
    menu_order = 2

    commune_scope = selectors.STAFF_SCOPE
    index_view_class = ReportIndexView
    edit_view_class = ReportEditView
    history_view_class = ReportHistoryView
    inspect_view_enabled = False
    form_fields: list[str] = []
    filterset_class = ReportFilterSet
    list_display = [
        "title",
        "category",
        Column("service", label=capfirst(_("technical service")), accessor=_service_name),
        Column("status", label=capfirst(_("status")), accessor=_status_text, sort_key="status"),
        "address",
        "created_at",
        Column("followers_count", label=capfirst(_("followers")), accessor="followers_count"),
    ]
    search_fields = ["title", "address"]
    search_backend_name = None

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/", admin_views.ReportHandleView.as_view(), name="handle"),
            path("<int:pk>/photos/<uuid:key>.jpg", admin_views.report_photo, name="photo"),
            path("bulk/", admin_views.BulkStatusView.as_view(), name="bulk"),
            path("dashboard/", admin_views.DashboardView.as_view(), name="dashboard"),
            path(
                "export.csv",
                self.construct_view(ReportExportView, **self.get_index_view_kwargs()),
                name="export",
            ),
        ]


# --- the categories (town hall) -------------------------------------------------------------


class TownHallOnly:
    """The town hall's screens answer 404 to whoever is not the town hall of a commune in
    scope (a technical agent), like a page that does not exist."""

    def dispatch(self, request, *args, **kwargs):
        if not selectors.TOWN_HALL_SCOPE.serves(request):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class TownHallFormMixin:
    """A form of the town hall's screens: the commune among those in scope, fixed once saved."""

    def __init__(self, *args, for_user=None, commune=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        communes = selectors.TOWN_HALL_SCOPE.communes(user=for_user, commune=commune)
        self.communes = communes
        field = self.fields["commune"]
        field.queryset = communes
        instance = self.instance
        if instance.pk:
            field.disabled = True
        elif communes.count() == 1:
            field.initial = communes.first()


class CategoryForm(TownHallFormMixin, WagtailAdminModelForm):
    class Meta:
        model = Category
        fields = ["commune", "name", "code", "description", "service", "position", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(
            commune__in=self.communes.values("pk")
        ).order_by("name")
        self.fields["code"].required = False
        self.fields["code"].help_text = _(
            "Its identifier for other software (Open311 service code); made from the name "
            "when left empty."
        )

    def clean(self):
        data = super().clean()
        commune = data.get("commune") or getattr(self.instance, "commune", None)
        service = data.get("service")
        if service is not None and commune is not None and service.commune_id != commune.pk:
            self.add_error("service", gettext("Choose a service of this commune."))
        if commune is not None:
            others = Category.objects.filter(commune=commune).exclude(pk=self.instance.pk)
            if data.get("name") and others.filter(name=data["name"]).exists():
                self.add_error("name", gettext("The commune already has a category of this name."))
            if data.get("code") and others.filter(code=data["code"]).exists():
                self.add_error("code", gettext("Another category of the commune has this code."))
        return data

    def validate_unique(self):
        pass  # said in clean(), on the field, in French


class _CommuneKwargMixin:
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["commune"] = getattr(self.request, "commune", None)
        return kwargs


class CategoryCreateView(TownHallOnly, _CommuneKwargMixin, generic.CreateView):
    pass


class CategoryEditView(TownHallOnly, _CommuneKwargMixin, admin_scope.EditView):
    pass


class CategoryDeleteView(TownHallOnly, admin_scope.DeleteView):
    pass


class CategoryIndexView(TownHallOnly, admin_scope.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("service", "commune")


class CategoryViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Category
    name = "report_categories"
    url_prefix = "report_categories"
    url_namespace = "report_categories_admin"
    icon = "tag"
    menu_label = pgettext_lazy("admin menu", "Categories")
    menu_hook = SUBMENU_HOOK
    menu_order = 3

    commune_scope = selectors.TOWN_HALL_SCOPE
    index_view_class = CategoryIndexView
    add_view_class = CategoryCreateView
    edit_view_class = CategoryEditView
    delete_view_class = CategoryDeleteView
    inspect_view_enabled = False
    list_display = ["name", "code", "service", "position", "active"]
    list_filter = ["active", "service"]
    ordering = ["commune", "position", "name"]
    sort_order_field = None
    edit_handler = ObjectList(
        [
            FieldPanel("commune"),
            FieldPanel("name"),
            FieldPanel("code"),
            FieldPanel("description"),
            FieldPanel("service"),
            FieldPanel("position"),
            FieldPanel("active"),
            InlinePanel(
                "questions",
                heading=_("Extra questions"),
                label=_("Question"),
                panels=[
                    FieldPanel("label"),
                    FieldPanel("code"),
                    FieldPanel("datatype"),
                    FieldPanel("required"),
                    FieldPanel("choices_text"),
                ],
            ),
        ],
        base_form_class=CategoryForm,
    )


# --- the technical services (town hall) -----------------------------------------------------


class ServiceForm(TownHallFormMixin, WagtailAdminModelForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Among the commune's staff who handle reports (technical service or mayor "
            "roles): they are told of the service's new reports and handle them."
        ),
    )

    class Meta:
        model = Service
        fields = ["commune", "name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        candidates = get_user_model().objects.none()
        for commune in self.communes:
            candidates = candidates | selectors.candidate_members(commune)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = candidates.distinct().order_by("last_name", "first_name", "pk")
        members.label_from_instance = lambda user: user.get_full_name() or user.email
        if self.instance.pk:
            members.initial = list(
                selectors.service_members(self.instance).values_list("pk", flat=True)
            )

    def clean(self):
        data = super().clean()
        commune = data.get("commune") or getattr(self.instance, "commune", None)
        if commune is not None and data.get("name"):
            others = Service.objects.filter(commune=commune, name=data["name"])
            if others.exclude(pk=self.instance.pk).exists():
                self.add_error("name", gettext("The commune already has a service of this name."))
        return data

    def validate_unique(self):
        pass


class _ServiceSave(admin_scope.ServiceSaveMixin):
    """Save the service and its members in one transaction (the members through
    ``services.service_members_set``, which checks each holds ``handle_reports``)."""

    def save_instance(self):
        form = self.form
        with transaction.atomic():
            instance = form.save()
            services.service_members_set(
                service=instance,
                members=list(form.cleaned_data["members"]),
                by=self.request.user,
            )
        return instance


class ServiceCreateView(TownHallOnly, _ServiceSave, _CommuneKwargMixin, generic.CreateView):
    pass


class ServiceEditView(TownHallOnly, _ServiceSave, _CommuneKwargMixin, admin_scope.EditView):
    pass


class ServiceDeleteView(TownHallOnly, admin_scope.DeleteView):
    """A deleted service's members lose its permission first (and the admin group when it
    was their only service); its categories go back to the town hall."""

    def delete_action(self):
        with transaction.atomic():
            services.service_members_set(service=self.object, members=[], by=self.request.user)
            super().delete_action()


def _members(service: Service) -> str:
    names = [user.get_full_name() or user.email for user in getattr(service, "members_list", [])]
    return ", ".join(names) or "—"


class ServiceIndexView(TownHallOnly, admin_scope.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("commune")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _attach_members(list(context["object_list"]))
        return context


def _attach_members(rows: list[Service]) -> None:
    """Each service's ``members_list`` in one query (guardian rows of the page's services)."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    by_service: dict[str, list] = {str(service.pk): [] for service in rows}
    if rows:
        holders = (
            UserObjectPermission.objects.filter(
                content_type=ContentType.objects.get_for_model(Service),
                object_pk__in=list(by_service),
                permission__codename=selectors.HANDLE_SERVICE,
            )
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        for holder in holders:
            by_service[holder.object_pk].append(holder.user)
    for service in rows:
        setattr(service, "members_list", by_service[str(service.pk)])  # noqa: B010


class ServiceViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Service
    name = "report_services"
    url_prefix = "report_services"
    url_namespace = "report_services_admin"
    icon = "group"
    menu_label = pgettext_lazy("admin menu", "Technical services")
    menu_hook = SUBMENU_HOOK
    menu_order = 4

    commune_scope = selectors.TOWN_HALL_SCOPE
    index_view_class = ServiceIndexView
    add_view_class = ServiceCreateView
    edit_view_class = ServiceEditView
    delete_view_class = ServiceDeleteView
    inspect_view_enabled = False
    form_fields = ["commune", "name", "email", "members"]
    list_display = [
        "name",
        "email",
        Column("members", label=capfirst(_("members")), accessor=_members),
    ]
    ordering = ["commune", "name"]

    def get_form_class(self, for_update=False):
        return ServiceForm


# --- the Open311 integrators (town hall) -------------------------------------------------


class IntegratorForm(TownHallFormMixin, WagtailAdminModelForm):
    class Meta:
        model = Integrator
        fields = ["commune", "name", "contact_email", "per_hour"]


class IntegratorCreateView(TownHallOnly, _CommuneKwargMixin, generic.CreateView):
    """Create the integrator and show its key on the response: once, never again."""

    def form_valid(self, form):
        data = form.cleaned_data
        with service_errors(form) as call:
            integrator, key = services.integrator_create(
                commune=data["commune"],
                name=data["name"],
                contact_email=data["contact_email"],
                per_hour=data["per_hour"],
                by=self.request.user,
            )
        if not call.ok:
            return self.form_invalid(form)
        return admin_views.render_key_once(self.request, integrator, key)


class IntegratorEditView(TownHallOnly, _CommuneKwargMixin, admin_scope.EditView):
    pass


def _integrator_state(integrator: Integrator) -> str:
    if integrator.revoked_at is not None:
        return gettext("Revoked")
    return gettext("Active")


class IntegratorIndexView(TownHallOnly, admin_scope.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("commune")

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.revoked_at is None:
            from wagtail.admin.widgets import ListingButton

            buttons.append(
                ListingButton(
                    gettext("Revoke"),
                    url=reverse("report_integrators_admin:revoke", args=[instance.pk]),
                    icon_name="cross",
                    priority=30,
                )
            )
        return buttons


class IntegratorViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Integrator
    name = "report_integrators"
    url_prefix = "open311"
    url_namespace = "report_integrators_admin"
    icon = "key"
    menu_label = pgettext_lazy("admin menu", "Open311")
    menu_hook = SUBMENU_HOOK
    menu_order = 5

    commune_scope = selectors.TOWN_HALL_SCOPE
    index_view_class = IntegratorIndexView
    add_view_class = IntegratorCreateView
    edit_view_class = IntegratorEditView
    inspect_view_enabled = False
    form_fields = ["commune", "name", "contact_email", "per_hour"]
    list_display = [
        "name",
        Column("key_prefix", label=capfirst(_("key starts with")), accessor="key_prefix"),
        "per_hour",
        "last_used_at",
        Column("state", label=capfirst(_("state")), accessor=_integrator_state),
        "created_at",
    ]
    ordering = ["commune", "name"]

    def get_form_class(self, for_update=False):
        return IntegratorForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/revoke/", admin_views.IntegratorRevokeView.as_view(), name="revoke"),
        ]


__all__ = [
    "CategoryViewSet",
    "IntegratorViewSet",
    "ReportViewSet",
    "ServiceViewSet",
]
