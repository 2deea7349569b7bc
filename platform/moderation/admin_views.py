"""The moderators' screens in the Wagtail admin ("Modération", CNT-5).

* ``queue``: the cases waiting in the viewer's scope (``selectors.queue_for``: platform
  staff see all, town-hall staff who publish for a commune see their commune's own
  spaces), newest report first, with filters (status, kind, commune, reason, age) and a
  bulk "keep" / "hide" (``services.decide_many``). The page reads in a constant number
  of queries however long the queue (the page's details read for its rows only).
* ``case``: one case: the excerpt, the link to the item, the reports (the reporters'
  names for the platform's staff only), previous decisions, the appeal, and the decision
  form offering only what the viewer may decide.
* ``suspensions``: the accounts suspended now, with "Lever la suspension" (platform
  staff only).

On a commune's host, only that commune's cases (``core.admin_scope``'s rule). A case out
of scope answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from accounts.staff import is_platform_staff
from communes.models import Commune
from communes.roles import PUBLISH_CONTENT
from communes.selectors import communes_with_permission
from communes.services import commune_url
from core.access import is_open_account
from core.forms import service_errors
from core.ids import positive_id
from core.modules import registry
from moderation import items, selectors, services
from moderation.admin_forms import BulkForm, DecisionForm
from moderation.items import PERSON_LABEL
from moderation.models import PERSON_KIND, Case, Reason, Report, Suspension
from privacy.matrix import attach_cards

TITLE = gettext_lazy("Moderation")
SUSPENSIONS_TITLE = gettext_lazy("Suspended accounts")
PAGE_SIZE = 50

STATUSES = {
    "waiting": (gettext_lazy("Waiting"), (Case.Status.NEW, Case.Status.APPEALED)),
    "new": (gettext_lazy("New reports"), (Case.Status.NEW,)),
    "appealed": (gettext_lazy("Appeals"), (Case.Status.APPEALED,)),
    "decided": (gettext_lazy("Decided"), (Case.Status.DECIDED, Case.Status.CLOSED)),
    "all": (gettext_lazy("All"), None),
}
AGES = {
    "24h": (gettext_lazy("Waiting more than 24 hours"), timedelta(hours=24)),
    "48h": (gettext_lazy("Waiting more than 48 hours"), timedelta(hours=48)),
    "7d": (gettext_lazy("Waiting more than 7 days"), timedelta(days=7)),
}
PERSON_FILTER = "person"
WAITING = (Case.Status.NEW, Case.Status.APPEALED)


# --- scope -----------------------------------------------------------------------------


def _host_commune(request):
    return getattr(request, "commune", None)


def scoped_cases(request) -> QuerySet[Case]:
    """Every case the viewer moderates, kept to the host's commune on a commune's host."""
    cases = selectors.cases_for(request.user)
    commune = _host_commune(request)
    if commune is not None:
        cases = cases.filter(commune=commune)
    return cases


def menu_state(request) -> tuple[bool, int]:
    """Whether the viewer moderates here, and how many cases wait for them: one query,
    once per request (the menu and the dashboard's to-do both ask)."""
    cached = getattr(request, "_moderation_menu", None)
    if cached is None:
        cached = request._moderation_menu = _menu_state(request)
    return cached


def _menu_state(request) -> tuple[bool, int]:
    user = request.user
    if not is_open_account(user):
        return False, 0
    if is_platform_staff(user):
        return True, scoped_cases(request).filter(status__in=WAITING).count()
    communes = communes_with_permission(user, PUBLISH_CONTENT)
    commune = _host_commune(request)
    if commune is not None:
        communes = communes.filter(pk=commune.pk)
    # The communes they publish for and their waiting cases, in one aggregate.
    row = communes.aggregate(
        served=Count("pk", distinct=True),
        waiting=Count(
            "moderation_cases",
            distinct=True,
            filter=Q(moderation_cases__status__in=WAITING, moderation_cases__town_hall=True),
        ),
    )
    return bool(row["served"]), int(row["waiting"] or 0)


def is_moderator(request) -> bool:
    return menu_state(request)[0]


def waiting_count(request) -> int:
    return menu_state(request)[1]


def _communes_in_scope(request) -> QuerySet[Commune]:
    commune = _host_commune(request)
    if commune is not None:
        return Commune.objects.filter(pk=commune.pk)
    if is_platform_staff(request.user):
        return Commune.objects.all()
    return communes_with_permission(request.user, PUBLISH_CONTENT)


def kind_choices() -> list[tuple[str, Any]]:
    kinds = [(kind.key, kind.label) for kind in registry.reportable_kinds()]
    return [*kinds, (PERSON_FILTER, PERSON_LABEL)]


def _require_moderator(request) -> None:
    if request.user.is_authenticated and not is_moderator(request):
        raise PermissionDenied


# --- the queue -------------------------------------------------------------------------


def queue_cases(request, chosen: dict[str, str]) -> QuerySet[Case]:
    """The queue's rows for ``chosen`` filters (``QueueView.filters``), newest report
    first (the bench times this, then :func:`attach_details` on a page)."""
    cases = scoped_cases(request)
    statuses = STATUSES[chosen["status"]][1]
    if statuses is not None:
        cases = cases.filter(status__in=statuses)
    if chosen["kind"]:
        cases = cases.filter(
            kind=PERSON_KIND if chosen["kind"] == PERSON_FILTER else chosen["kind"]
        )
    if chosen["commune"]:
        cases = cases.filter(commune_id=int(chosen["commune"]))
    if chosen["reason"]:
        cases = cases.filter(
            Exists(Report.objects.filter(case=OuterRef("pk"), reason=chosen["reason"]))
        )
    cases = cases.annotate(waiting_since=Coalesce("appealed_at", "opened_at"))
    if chosen["age"]:
        cases = cases.filter(waiting_since__lte=timezone.now() - AGES[chosen["age"]][1])
    # Sorted on the case table alone: the commune, the community and the reasons are
    # read for the page's rows only (``attach_details``), so a page deep in a long queue
    # does not join or aggregate everything above it.
    return cases.order_by("-last_reported_at", "-pk")


def attach_details(rows: list[Any]) -> list[Any]:
    """Set the commune, the community, ``reasons`` (the reports' reasons, labelled) and
    the labels the queue shows on the page's rows: three queries whatever the page."""
    prefetch_related_objects(rows, "commune", "community")
    reasons: dict[int, set[str]] = {}
    pairs = Report.objects.filter(case__in=[case.pk for case in rows]).values_list(
        "case_id", "reason"
    )
    for case_id, reason in pairs.distinct():
        reasons.setdefault(case_id, set()).add(reason)
    labels = dict(Reason.choices)
    for case in rows:
        case.kind_label = items.label_of(case.kind)
        case.reason_labels = [
            labels.get(reason, reason) for reason in sorted(reasons.get(case.pk, ()))
        ]
        case.hidden_pending = case.status == Case.Status.NEW and case.auto_hidden_at
    return rows


class QueueView(WagtailAdminTemplateMixin, FormView):
    template_name = "moderation/admin/queue.html"
    form_class = BulkForm
    page_title = TITLE
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        _require_moderator(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["queue"] = scoped_cases(self.request).filter(status__in=WAITING)
        return kwargs

    def filters(self) -> dict[str, str]:
        """The filters from the query string, each kept to its known values."""
        params = self.request.GET
        chosen = {
            "status": params.get("status", "waiting"),
            "kind": params.get("kind", ""),
            "commune": params.get("commune", ""),
            "reason": params.get("reason", ""),
            "age": params.get("age", ""),
        }
        if chosen["status"] not in STATUSES:
            chosen["status"] = "waiting"
        if chosen["kind"] not in dict(kind_choices()):
            chosen["kind"] = ""
        if chosen["reason"] not in Reason.values:
            chosen["reason"] = ""
        if chosen["age"] not in AGES:
            chosen["age"] = ""
        try:
            chosen["commune"] = str(positive_id(chosen["commune"])) if chosen["commune"] else ""
        except Http404:
            chosen["commune"] = ""
        return chosen

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = self.filters()
        page_obj = Paginator(queue_cases(self.request, chosen), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        rows = attach_details(list(page_obj.object_list))
        query = "&".join(f"{key}={value}" for key, value in chosen.items() if value)
        communes = (
            []
            if _host_commune(self.request)
            else list(_communes_in_scope(self.request).order_by("name").values("pk", "name"))
        )
        context.update(
            rows=rows,
            page_obj=page_obj,
            chosen=chosen,
            query=query,
            statuses=[(key, label) for key, (label, _s) in STATUSES.items()],
            kinds=kind_choices(),
            reasons=Reason.choices,
            ages=[(key, label) for key, (label, _d) in AGES.items()],
            communes=communes,
            bulk=chosen["status"] in ("waiting", "new", "appealed"),
            action_url=self.request.get_full_path(),
        )
        return context

    def form_valid(self, form):
        action = form.cleaned_data["action"]
        with service_errors(form) as call:
            decided, skipped = services.decide_many(
                by=self.request.user,
                cases=form.cleaned_data["cases"],
                action=action,
                note=form.cleaned_data["note"],
            )
        if not call.ok:
            return self.form_invalid(form)
        if decided:
            messages.success(
                self.request,
                ngettext("%(count)s case decided.", "%(count)s cases decided.", decided)
                % {"count": decided},
            )
        if skipped:
            messages.warning(
                self.request,
                ngettext(
                    "%(count)s case skipped: decided meanwhile, or an appeal you decided first.",
                    "%(count)s cases skipped: decided meanwhile, or appeals you decided first.",
                    skipped,
                )
                % {"count": skipped},
            )
        return redirect(self.request.get_full_path())

    def form_invalid(self, form):
        messages.error(self.request, _("Nothing was decided: see the errors below."))
        return super().form_invalid(form)


# --- one case --------------------------------------------------------------------------


class CaseView(WagtailAdminTemplateMixin, FormView):
    template_name = "moderation/admin/case.html"
    form_class = DecisionForm
    page_title = pgettext_lazy("moderation case page", "Report to review")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.case = selectors.access_case(request.user, kwargs["pk"])
            commune = _host_commune(request)
            if commune is not None and self.case.commune_id != commune.pk:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("moderation_admin:queue"), "label": TITLE},
            {"url": "", "label": self.page_title},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "case": self.case}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.case
        user = self.request.user
        platform = is_platform_staff(user)
        reports = case.reports.all()
        if platform:
            reports = reports.select_related("reporter")
        decisions = list(case.decisions.select_related("by"))
        attach_cards(user, [case], "author", public_author=True)
        item_state = "person" if case.is_person else "deleted"
        if not case.is_person:
            try:
                item = items.load(case.kind, case.object_id)
            except Http404:
                pass
            else:
                item_state = "hidden" if getattr(item.instance, "hidden_at", None) else "shown"
        link = ""
        if case.link and item_state != "deleted":
            link = commune_url(case.commune, case.link) if case.commune_id else case.link
        may_decide = case.is_waiting and selectors.may_decide_appeal(user, case)
        context.update(
            case=case,
            kind_label=items.label_of(case.kind),
            reports=list(reports),
            item_state=item_state,
            decisions=decisions,
            show_reporters=platform,
            show_author_name=platform,
            link=link,
            may_decide=may_decide,
            another_must_decide=case.is_waiting and not may_decide,
            suspension=selectors.active_suspension(case.author_id)
            if platform and case.author_id
            else None,
        )
        return context

    def form_valid(self, form):
        if not (self.case.is_waiting and selectors.may_decide_appeal(self.request.user, self.case)):
            form.add_error(None, _("Another moderator must decide on the appeal."))
            return self.form_invalid(form)
        with service_errors(form) as call:
            services.decide(
                by=self.request.user,
                case=self.case,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
            )
        if not call.ok:
            return self.form_invalid(form)
        messages.success(
            self.request, _("Decision recorded. The author and the reporters are told.")
        )
        return redirect("moderation_admin:queue")


# --- suspensions -----------------------------------------------------------------------


def _require_platform_staff(request) -> None:
    if request.user.is_authenticated and not is_platform_staff(request.user):
        raise PermissionDenied


class SuspensionsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "moderation/admin/suspensions.html"
    page_title = SUSPENSIONS_TITLE
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        _require_platform_staff(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("moderation_admin:queue"), "label": TITLE},
            {"url": "", "label": SUSPENSIONS_TITLE},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        suspensions = Suspension.objects.filter(lifted_at__isnull=True).select_related(
            "user", "by", "case"
        )
        page_obj = Paginator(suspensions, PAGE_SIZE).get_page(self.request.GET.get("p"))
        context.update(rows=list(page_obj.object_list), page_obj=page_obj)
        return context


def lift(request, pk):
    """POST: lift an active suspension (platform staff only)."""
    _require_platform_staff(request)
    if request.method != "POST":
        return redirect("moderation_admin:suspensions")
    suspension = (
        Suspension.objects.filter(pk=positive_id(pk), lifted_at__isnull=True)
        .select_related("user")
        .first()
    )
    if suspension is None:
        raise Http404
    with service_errors() as call:
        services.lift_suspension(by=request.user, suspension=suspension)
    if call.ok:
        messages.success(
            request,
            _("The suspension of %(name)s is lifted: they can log in again.")
            % {"name": suspension.user},
        )
    else:
        messages.error(request, call.error)
    return redirect("moderation_admin:suspensions")


urlpatterns = [
    path("", QueueView.as_view(), name="queue"),
    path("case/<int:pk>/", CaseView.as_view(), name="case"),
    path("suspensions/", SuspensionsView.as_view(), name="suspensions"),
    path("suspensions/<int:pk>/lift/", lift, name="lift"),
]
