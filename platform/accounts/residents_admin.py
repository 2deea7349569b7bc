"""Residents to validate, in the Wagtail admin (ACC-10).

Those who validate residents of a commune (its council and mayor, its hosting
partner's staff, superusers: ``communes.roles``) list the pending requests to
follow it, oldest first, and accept or refuse each one (a refusal may carry a
reason, sent to the person). Each person is shown through the privacy matrix
(name, address, presentation for the commune's staff), one query for the page.
On a commune's host only that commune is in scope; on the platform's host,
every commune the person validates residents of. A request out of scope
answers 404, like one that does not exist.

The follows are communes'; the screen is accounts' because it shows people through the
privacy matrix, which sits above communes (``AccountsConfig``'s Wagtail hooks register
it; the log actions of follows stay with communes).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from communes.roles import VALIDATE_RESIDENTS
from communes.selectors import pending_follows_for_staff, staff_communes_in_scope
from communes.services import FOLLOW_REASON_MAX_LENGTH, follow_decide
from core.admin_menu import CountedMenuItem
from privacy.matrix import attach_cards

PAGE_SIZE = 20
TITLE = gettext_lazy("Residents to validate")


class DecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("Accept")), ("0", gettext_lazy("Refuse"))],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the refusal (sent to the person)"),
        required=False,
        max_length=FOLLOW_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PendingFollowsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "accounts/admin/residents_to_validate.html"
    page_title = TITLE
    header_icon = "user"

    def get(self, request, *args, **kwargs):
        if not staff_communes_in_scope(request, VALIDATE_RESIDENTS).exists():
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(pending_follows_for_staff(self.request), PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        context.update(
            page_obj=page,
            follows=attach_cards(self.request.user, page.object_list, "user"),
            reason_max_length=FOLLOW_REASON_MAX_LENGTH,
            several_communes=getattr(self.request, "commune", None) is None,
        )
        return context


@require_POST
def decide(request, pk: int):
    follow = pending_follows_for_staff(request).filter(pk=pk).first()
    if follow is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(_back(request))
    accept = form.cleaned_data["accept"]
    try:
        follow = follow_decide(
            follow=follow,
            by=request.user,
            accept=accept,
            reason="" if accept else form.cleaned_data["reason"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied:
        raise Http404 from None
    else:
        message = (
            _("The request is accepted: the person is told by email.")
            if accept
            else _("The request is refused: the person is told by email.")
        )
        messages.success(request, message)
    return redirect(_back(request))


def _back(request) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("residents_to_validate")


urlpatterns = [
    path("residents-to-validate/", PendingFollowsView.as_view(), name="residents_to_validate"),
    path(
        "residents-to-validate/<int:pk>/decide/",
        decide,
        name="residents_to_validate_decide",
    ),
]


class PendingFollowsMenuItem(CountedMenuItem):
    """Shown to those who validate residents; the label counts the pending requests."""

    def is_shown(self, request):
        return staff_communes_in_scope(request, VALIDATE_RESIDENTS).exists()

    def count(self, request) -> int:
        return pending_follows_for_staff(request).count()


def menu_item():
    return PendingFollowsMenuItem(
        TITLE,
        reverse("residents_to_validate"),
        icon_name="user",
        order=152,
        name="residents-to-validate",
    )
