"""Site pages of the support desk: ``contact/`` (the form), ``contact/demandes/`` (my
requests) and ``contact/demandes/<pk>/`` (a request's thread and the reply form).

The form serves everyone: a signed-in person writes as themselves (their context is
gathered by the service), a visitor gives a name and an e-mail address. ``?topic=``
preselects a topic (links from the pages of seed 003's situations). A request that is not
yours answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.abuse import RateLimited
from core.access import is_open_account
from core.forms import add_service_errors, service_error_text
from moderation.models import SupportRequest
from moderation.support import selectors, services
from moderation.support.forms import TOPIC_HELP, ContactForm, ReplyForm


def _client_address(request) -> str | None:
    try:
        address = get_client_ip_address(request)
    except Exception:  # an unreadable address only loses the per-address limit
        return None
    return address or None


class _Call:
    """Like ``core.forms.service_errors``, and remembers a rate limit (answered 429)."""

    def __init__(self, form) -> None:
        self.form = form
        self.ok = True
        self.status = 400

    def __enter__(self) -> _Call:
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None:
            return False
        if isinstance(error, ValidationError):
            add_service_errors(self.form, error)
        elif isinstance(error, PermissionDenied):
            self.form.add_error(None, service_error_text(error))
            if isinstance(error, RateLimited):
                self.status = 429
        else:
            return False
        self.ok = False
        return True


@require_http_methods(["GET", "HEAD", "POST"])
def support(request):
    signed_in = is_open_account(request.user)
    if request.method == "POST":
        form = ContactForm(request.POST, signed_in=signed_in)
        if form.is_robot:
            # Said as for a person, stored nowhere: a robot learns nothing.
            flash.success(request, _("Your request is sent. The team answers by e-mail."))
            return redirect("moderation:support")
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            with _Call(form) as call:
                created = services.request_create(
                    user=request.user if signed_in else None,
                    topic=data["topic"],
                    subject=data["subject"],
                    body=data["body"],
                    name=data.get("name", ""),
                    email=data.get("email", ""),
                    commune=getattr(request, "commune", None),
                    client_address=_client_address(request),
                )
            if call.ok:
                if signed_in:
                    flash.success(
                        request,
                        _("Your request is sent. You will find the team's answer here."),
                    )
                    return redirect("moderation:support_detail", pk=created.pk)
                flash.success(request, _("Your request is sent. The team answers by e-mail."))
                return redirect("moderation:support")
            status = call.status
    else:
        topic = request.GET.get("topic", "")
        initial = {"topic": topic} if topic in SupportRequest.Topic.values else {}
        form = ContactForm(initial=initial, signed_in=signed_in)
        status = 200
    topics = [
        {"widget": radio, "help": TOPIC_HELP.get(radio.data["value"], "")}
        for radio in form["topic"]
    ]
    return render(
        request,
        "moderation/support/contact.html",
        {"form": form, "topics": topics, "signed_in": signed_in},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def support_mine(request):
    if not is_open_account(request.user):
        raise Http404
    requests = selectors.with_last_message(selectors.requests_of(request.user))
    page_obj = Paginator(requests, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "moderation/support/mine.html", {"page_obj": page_obj})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def support_detail(request, pk: int):
    support_request = selectors.access_own(request.user, pk)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with _Call(form) as call:
                services.reply(
                    by=request.user, request=support_request, body=form.cleaned_data["body"]
                )
            if call.ok:
                flash.success(request, _("Your message is sent to the team."))
                return redirect("moderation:support_detail", pk=support_request.pk)
            status = call.status
        else:
            status = 400
    return render(
        request,
        "moderation/support/detail.html",
        {
            "support_request": support_request,
            "thread": selectors.thread_of(support_request),
            "form": form,
        },
        status=status,
    )
