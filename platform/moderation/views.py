"""Site pages of moderation (CNT-5) and the support desk (CNT-7).

* ``signaler/<kind>/<pk>/``: someone who sees an item reports it (a reason, a text);
* ``signaler/personne/<pk>/``: someone who sees a person somewhere (their community's
  directory, a twinned community, a conversation) reports them;
* ``mes-signalements/``: a reporter's reports and what became of them;
* ``moderation/decisions/<pk>/``: the author reads a decision about them (or that their
  content is hidden pending review) and appeals it once.

Http404 alike for an unknown kind, a missing item and one the person cannot see; the
services decide everything else and their refusals show as French form errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.access import is_open_account
from core.forms import service_errors
from core.ids import positive_id
from core.modules import registry
from moderation import items, selectors, services
from moderation.forms import AppealForm, PersonReportForm, ReportForm
from moderation.models import PERSON_KIND, Action, Case, Decision
from privacy.matrix import person_card

GET_POST = ["GET", "HEAD", "POST"]
GET = ["GET", "HEAD"]
REPORTS_PER_PAGE = 20


def _next_url(request) -> str:
    """Where to go back after reporting: a path on this host, or the reporter's list."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return str(target)
    return reverse("moderation:my_reports")


def _reported(request):
    messages.success(
        request,
        _("Thank you. Our moderation team will review your report and get back to you."),
    )
    return redirect(_next_url(request))


@login_required
@require_http_methods(GET_POST)
def report(request, kind: str, pk: int):
    """Report an item of a reportable kind (404 for anything the person cannot see)."""
    if kind == PERSON_KIND or not is_open_account(request.user):
        raise Http404
    item = items.load(kind, pk)
    if not items.can_see(request.user, item):
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form) as call:
            services.report(
                reporter=request.user,
                kind=item.key,
                object_id=item.instance.pk,
                reason=data["reason"],
                text=data["text"],
            )
        if call.ok:
            return _reported(request)
    return render(
        request,
        "moderation/report.html",
        {
            "form": form,
            "item": item,
            "label": item.label,
            "excerpt": item.excerpt,
            "next": _next_url(request),
            "own": item.author_id == request.user.pk,
        },
    )


@login_required
@require_http_methods(GET_POST)
def report_person(request, pk: int):
    """Report a person (impersonation, behaviour): someone who sees them somewhere."""
    if not is_open_account(request.user):
        raise Http404
    person = get_user_model().objects.filter(pk=positive_id(pk)).first()
    if person is None or not items.sees_person(request.user, person):
        raise Http404
    card = person_card(request.user, person)
    form = PersonReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form) as call:
            services.report(
                reporter=request.user,
                kind=PERSON_KIND,
                object_id=person.pk,
                reason=data["reason"],
                text=data["text"],
                impersonated_name=data["impersonated_name"],
            )
        if call.ok:
            return _reported(request)
    return render(
        request,
        "moderation/report_person.html",
        {
            "form": form,
            "card": card,
            "next": _next_url(request),
        },
    )


def _reporter_status(case: Case) -> str:
    """What a reporter reads of their report's case."""
    if case.status == Case.Status.NEW:
        if case.auto_hidden_at is not None:
            return _("Hidden until reviewed")
        return _("Under review")
    if case.is_person:
        person_outcomes: dict[str, str] = {
            Action.KEEP: _("No action taken"),
            Action.WARN: _("Person warned"),
            Action.EXCLUDE: _("Person excluded from the community"),
            Action.SUSPEND: _("Account suspended"),
        }
        return person_outcomes.get(case.decision, _("Decided"))
    if case.decision == Action.KEEP:
        return _("Content kept")
    if case.decision == Action.WARN:
        return _("Content hidden, author warned")
    if case.decision in (Action.HIDE, Action.EXCLUDE, Action.SUSPEND):
        return _("Content hidden")
    return _("Decided")


@login_required
@require_http_methods(GET)
def my_reports(request):
    """The reporter's reports, newest first, with what became of each (20 a page)."""
    paginator = Paginator(selectors.reports_of(request.user), REPORTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "report": row,
            "case": row.case,
            "label": items.label_of(row.case.kind),
            "status": _reporter_status(row.case),
            "waiting": row.case.status == Case.Status.NEW,
        }
        for row in page.object_list
    ]
    return render(request, "moderation/my_reports.html", {"page_obj": page, "rows": rows})


@login_required
@require_http_methods(GET_POST)
def decision(request, pk: int):
    """The author reads what the moderators decided about them and appeals it once."""
    case = selectors.cases_about(request.user).filter(pk=positive_id(pk)).first()
    if case is None:
        raise Http404
    form = AppealForm(request.POST or None) if case.can_appeal else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("You already appealed this decision."))
            return redirect("moderation:decision", case.pk)
        if form.is_valid():
            with service_errors(form) as call:
                services.appeal(author=request.user, case=case, text=form.cleaned_data["text"])
            if call.ok:
                messages.success(
                    request,
                    _("Your appeal is sent. Another moderator will review the decision."),
                )
                return redirect("moderation:decision", case.pk)
    decisions = list(Decision.objects.filter(case=case).order_by("created_at", "pk"))
    item_visible = False
    if not case.is_person and case.link:
        item_visible = registry.reportable(case.kind) is not None
    return render(
        request,
        "moderation/decision.html",
        {
            "case": case,
            "label": items.label_of(case.kind),
            "decisions": decisions,
            "first": decisions[0] if decisions else None,
            "on_appeal": next((d for d in decisions if d.on_appeal), None),
            "pending": case.status == Case.Status.NEW and case.auto_hidden_at is not None,
            "form": form,
            "item_visible": item_visible,
        },
    )


# The support desk's pages (CNT-7) live in moderation.support.
from moderation.support.views import support, support_detail, support_mine  # noqa: E402, F401
