"""The admin's own pages for problem reports (REP-2): handle a report, update many at once,
the dashboard, the CSV export, and an Open311 key shown once.

Every page keeps to what the person handles (``selectors.handled_reports`` on the host's
commune): a report out of it answers 404, like one that does not exist. The writes go
through ``services`` (the same rules as the API).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.forms import service_errors
from modules.reports import selectors, services
from modules.reports.models import NOTE_MAX_LENGTH, Category, Integrator, Photo, Report

Status = Report.Status

# What staff may set by hand ("duplicate" comes with a merge only).
SETTABLE_STATUSES = [
    (status.value, status.label) for status in Status if status != Status.DUPLICATE
]


def host_commune(request):
    return getattr(request, "commune", None)


def reports_in_scope(request) -> QuerySet[Report]:
    """The reports the person handles, on this host's commune (every commune on the
    platform's host), within the module's scope (communes that have it on)."""
    reports = selectors.handled_reports(request.user, host_commune(request))
    return selectors.STAFF_SCOPE.for_request(reports, request)


def new_in_scope(request) -> int:
    """The count of the menu: new reports the person handles, not hidden."""
    return reports_in_scope(request).filter(status=Status.NEW, hidden_at__isnull=True).count()


def map_settings(*, center: str = "46.6,2.4", zoom: int = 5) -> dict:
    return {
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
        "center": center,
        "zoom": zoom,
    }


def map_for(communes) -> dict:
    """The map opens on the commune when there is one with a centre."""
    communes = list(communes[:2])
    if len(communes) == 1 and getattr(communes[0], "center", None) is not None:
        center = communes[0].center
        return map_settings(center=f"{center.y},{center.x}", zoom=14)
    return map_settings()


# --- the forms of the handle page ---------------------------------------------------------


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=SETTABLE_STATUSES)
    note = forms.CharField(
        label=_("Public note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Residents read it in the report's history and its followers are told; "
            "required to reject a report (give the reason)."
        ),
    )


class CategoryChoiceField(forms.ModelChoiceField):
    """A category with who handles it: "Nid de poule — Voirie"."""

    def label_from_instance(self, obj) -> str:
        if obj.service is not None:
            return f"{obj.name} — {obj.service.name}"
        return f"{obj.name} — {gettext('Town hall')}"


class CategoryForm(forms.Form):
    category = CategoryChoiceField(label=_("New category"), queryset=Category.objects.none())
    note = forms.CharField(
        label=_("Public note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Category.objects.filter(commune_id=report.commune_id, active=True)
            .exclude(pk=report.category_id)
            .select_related("service")
            .order_by("position", "name")
        )


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Number of the report to keep"),
        min_value=1,
        help_text=_(
            "This report becomes its duplicate and is closed; its followers move to the "
            "report kept."
        ),
    )
    note = forms.CharField(
        label=_("Public note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=SETTABLE_STATUSES)
    note = forms.CharField(
        label=_("Public note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- the handle page ------------------------------------------------------------------------


class ReportHandleView(WagtailAdminTemplateMixin, TemplateView):
    """A report as the staff who handle it read it (the reporter too), and its three
    actions: update (status and public note), change the category, merge."""

    template_name = "reports/admin/handle.html"
    header_icon = "warning"
    ACTIONS = ("status", "category", "merge")

    def dispatch(self, request, *args, **kwargs):
        reports = reports_in_scope(request).select_related(
            "category", "category__service", "commune", "author", "integrator", "merged_into"
        )
        self.report = get_object_or_404(reports, pk=kwargs["pk"])
        self.status_form = StatusForm(prefix="status", initial={"status": self.report.status})
        self.category_form = CategoryForm(prefix="category", report=self.report)
        self.merge_form = MergeForm(prefix="merge")
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return gettext("Report #%(number)s") % {"number": self.report.pk}

    def get_page_subtitle(self):
        return self.report.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("reports_admin:index"), "label": gettext("Reports")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.report
        history = list(selectors.history_of(report).select_related("by"))
        point = report.location
        context.update(
            report=report,
            reporter=selectors.reporter_name(report),
            contact=sorted((report.contact or {}).items()),
            answers=self._answers(report),
            photos=list(report.photos.order_by("position", "id")),
            history=history,
            status_form=self.status_form,
            category_form=self.category_form,
            merge_form=self.merge_form,
            action_url=reverse("reports_admin:handle", args=[report.pk]),
            is_open=report.is_open,
            map=map_settings(center=f"{point.y},{point.x}", zoom=17) if point else None,
            map_data=selectors.reports_geojson(Report.objects.filter(pk=report.pk))
            if point
            else None,
            public_url=selectors.report_path_for(report.pk),
        )
        return context

    @staticmethod
    def _answers(report: Report) -> list[tuple[str, str]]:
        answers = report.answers or {}
        if not answers:
            return []
        rows = []
        for question in report.category.questions.all():
            if question.code not in answers:
                continue
            value = answers[question.code]
            names = dict(question.choices())
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(str(names.get(str(item), item)) for item in values)
            rows.append((question.label, shown))
        return rows

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in self.ACTIONS:
            return self.get(request, *args, **kwargs)
        report = self.report
        if action == "status":
            form: forms.Form = StatusForm(request.POST, prefix="status")
            self.status_form = form
        elif action == "category":
            form = CategoryForm(request.POST, prefix="category", report=report)
            self.category_form = form
        else:
            form = MergeForm(request.POST, prefix="merge")
            self.merge_form = form
        if not form.is_valid():
            return self.get(request, *args, **kwargs)
        data = form.cleaned_data
        with service_errors(form) as call:
            if action == "status":
                services.status_set(
                    report=report, by=request.user, status=data["status"], note=data["note"]
                )
                done = gettext("The report is updated; its followers are told.")
            elif action == "category":
                services.category_set(
                    report=report, by=request.user, category=data["category"], note=data["note"]
                )
                done = gettext("The category is changed; its service is told.")
            else:
                into = reports_in_scope(request).filter(pk=data["into"]).first()
                if into is None or into.pk == report.pk:
                    # Another commune's report and a missing one read alike.
                    form.add_error(
                        "into",
                        gettext("No report #%(number)s among those you handle.")
                        % {"number": data["into"]},
                    )
                    return self.get(request, *args, **kwargs)
                services.merge(duplicate=report, into=into, by=request.user, note=data["note"])
                done = gettext("The report is merged into report #%(number)s.") % {
                    "number": into.pk
                }
        if not call.ok:
            return self.get(request, *args, **kwargs)
        messages.success(request, done)
        if action == "category" and not reports_in_scope(request).filter(pk=report.pk).exists():
            # Given to a service the person is not in: it left their list.
            return HttpResponseRedirect(reverse("reports_admin:index"))
        return HttpResponseRedirect(reverse("reports_admin:handle", args=[report.pk]))


# --- many reports at once -------------------------------------------------------------------


class BulkStatusView(View):
    """The index's "Change the status" of the ticked reports (POST only)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        index = reverse("reports_admin:index")
        back = request.POST.get("next") or ""
        if not back.startswith(index):
            back = index
        form = BulkForm(request.POST)
        ids = []
        for value in request.POST.getlist("report"):
            try:
                ids.append(int(value))
            except ValueError:
                raise Http404 from None
        if not ids:
            messages.error(request, gettext("Tick the reports to change first."))
            return HttpResponseRedirect(back)
        if not form.is_valid():
            messages.error(
                request,
                " ".join(str(error) for errors in form.errors.values() for error in errors),
            )
            return HttpResponseRedirect(back)
        reports = list(reports_in_scope(request).filter(pk__in=set(ids)))
        if len(reports) != len(set(ids)):
            raise Http404  # a report out of scope reads as a missing one
        data = form.cleaned_data
        with service_errors() as call:
            changed = services.bulk_status(
                reports=reports, by=request.user, status=data["status"], note=data["note"]
            )
        if not call.ok:
            messages.error(request, call.error)
            return HttpResponseRedirect(back)
        messages.success(
            request,
            ngettext(
                "%(count)s report changed; their followers are told.",
                "%(count)s reports changed; their followers are told.",
                changed,
            )
            % {"count": changed},
        )
        return HttpResponseRedirect(back)


# --- the dashboard ----------------------------------------------------------------------------


def hours_text(hours: float | None) -> str:
    """ "—" without data; hours under two days, else days."""
    if hours is None:
        return "—"
    if hours < 48:
        return gettext("%(hours)s h") % {"hours": f"{hours:.1f}".replace(".", ",")}
    days = hours / 24
    return gettext("%(days)s days") % {"days": f"{days:.1f}".replace(".", ",")}


class DashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "reports/admin/dashboard.html"
    header_icon = "warning"
    page_title = _("Problem reports: dashboard")

    def dispatch(self, request, *args, **kwargs):
        self.communes = selectors.STAFF_SCOPE.communes_for_request(request)
        if not self.communes.exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("reports_admin:index"), "label": gettext("Reports")},
            {"url": "", "label": gettext("Dashboard")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = reports_in_scope(self.request)
        figures = selectors.stats(reports)
        for entry in figures["open"]:
            entry["cells"] = [entry["counts"][status] for status in Report.OPEN_STATUSES]
        open_reports = reports.filter(status__in=Report.OPEN_STATUSES, hidden_at__isnull=True)
        context.update(
            stats=figures,
            statuses=[Status(status).label for status in Report.OPEN_STATUSES],
            to_acknowledge=hours_text(figures["median_hours_to_acknowledge"]),
            to_resolve=hours_text(figures["median_hours_to_resolve"]),
            map=map_for(self.communes),
            map_data=selectors.reports_geojson(open_reports),
            export_url=reverse("reports_admin:export") + "?status=open",
            index_url=reverse("reports_admin:index"),
        )
        return context


# --- the Open311 key, once ------------------------------------------------------------------


class IntegratorKeyView(WagtailAdminTemplateMixin, TemplateView):
    """The page right after an integrator is created: its key, shown this once (never
    stored in clear, not in the session either: the POST's response shows it)."""

    template_name = "reports/admin/integrator_key.html"
    header_icon = "key"
    page_title = _("Open311 key")
    integrator: Integrator | None = None
    key = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assert self.integrator is not None
        context.update(
            integrator=self.integrator,
            key=self.key,
            base_url=self.request.build_absolute_uri("/open311/v2/"),
            jurisdiction=self.integrator.commune.slug,
            index_url=reverse("report_integrators_admin:index"),
        )
        return context


def render_key_once(request, integrator: Integrator, key: str):
    view = IntegratorKeyView(integrator=integrator, key=key)
    view.setup(request)
    response = view.get(request)
    assert isinstance(response, TemplateResponse)
    response.render()
    response["Cache-Control"] = "no-store"
    return response


class IntegratorRevokeView(WagtailAdminTemplateMixin, TemplateView):
    """Confirm, then revoke an integrator's key (it stops working at once)."""

    template_name = "reports/admin/integrator_revoke.html"
    header_icon = "key"
    page_title = _("Revoke an Open311 key")

    def dispatch(self, request, *args, **kwargs):
        integrators = selectors.TOWN_HALL_SCOPE.for_request(
            Integrator.objects.select_related("commune"), request
        )
        self.integrator = get_object_or_404(integrators, pk=kwargs["pk"])
        if not selectors.is_town_hall(request.user, self.integrator.commune):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            integrator=self.integrator,
            action_url=reverse("report_integrators_admin:revoke", args=[self.integrator.pk]),
            index_url=reverse("report_integrators_admin:index"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.integrator.revoked_at is not None:
            messages.error(request, gettext("This key is already revoked."))
            return HttpResponseRedirect(reverse("report_integrators_admin:index"))
        try:
            services.integrator_revoke(integrator=self.integrator, by=request.user)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            request,
            gettext("The key of “%(name)s” is revoked: it no longer works.")
            % {"name": self.integrator.name},
        )
        return HttpResponseRedirect(reverse("report_integrators_admin:index"))


# --- the photos, for the staff who handle the report ----------------------------------------


@require_GET
def report_photo(request, pk: int, key):
    """A photo of a report the person handles (private storage; the same 404 otherwise),
    also while moderation hides the report or on the platform's host."""
    report = get_object_or_404(reports_in_scope(request), pk=pk)
    photo = get_object_or_404(Photo, report=report, key=key)
    try:
        handle = photo.image.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
