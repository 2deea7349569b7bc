"""The support desk in the Wagtail admin ("Support", namespace ``support_admin``).

Platform staff only: the list of requests (filters by status and topic, search by subject,
name, e-mail or number) and a request's page (what the platform knew when it was sent,
the thread, the answer form and the status). Anyone else, town-hall staff included, gets
a 404 – the same answer as for a request that does not exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.admin_menu import CountedMenuItem
from core.forms import add_service_errors, service_error_text
from moderation.models import SupportRequest
from moderation.support import selectors, services
from moderation.support.forms import AnswerForm, StatusForm

TITLE = gettext_lazy("Support")


class _DeskOnly:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.is_desk_staff(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class DeskListView(_DeskOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "moderation/support/admin/list.html"
    page_title = TITLE
    header_icon = "help"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        status = params.get("status", "open")
        topic = params.get("topic", "")
        query = (params.get("q") or "")[:100]
        requests = selectors.desk_requests(
            self.request.user, status=status, topic=topic, query=query
        )
        page_obj = Paginator(selectors.with_last_message(requests), selectors.PAGE_SIZE).get_page(
            params.get("p")
        )
        filters = params.copy()
        filters.pop("p", None)
        context.update(
            page_obj=page_obj,
            items=page_obj.object_list,
            status=status,
            topic=topic,
            query=query,
            statuses=[
                ("open", _("Not closed")),
                ("all", _("All requests")),
                *SupportRequest.Status.choices,
            ],
            topics=SupportRequest.Topic.choices,
            filter_query=filters.urlencode(),
        )
        return context


class DeskDetailView(_DeskOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "moderation/support/admin/detail.html"
    header_icon = "help"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and selectors.is_desk_staff(request.user):
            self.support_request = selectors.access_for_desk(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.support_request.subject

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("support_admin:list"), "label": TITLE},
            {"url": "", "label": self.support_request.subject},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        support_request = self.support_request
        context.update(
            support_request=support_request,
            thread=selectors.thread_of(support_request),
            answer_form=kwargs.get("answer_form") or AnswerForm(prefix="answer"),
            status_form=kwargs.get("status_form")
            or StatusForm(prefix="status", initial={"status": support_request.status}),
            action_url=reverse("support_admin:detail", args=[support_request.pk]),
            overturn_offer=services.overturn_offer(support_request),
            overturn_error=kwargs.get("overturn_error", ""),
        )
        return context

    def post(self, request, *args, **kwargs):
        support_request = self.support_request
        if "overturn" in request.POST:
            return self._overturn(request, support_request)
        if "status-status" in request.POST:
            status_form = StatusForm(request.POST, prefix="status")
            if status_form.is_valid() and self._call(
                status_form,
                lambda: services.set_status(
                    by=request.user,
                    request=support_request,
                    status=status_form.cleaned_data["status"],
                ),
            ):
                messages.success(request, _("The request's status is saved."))
                return redirect("support_admin:detail", pk=support_request.pk)
            return self.render_to_response(
                self.get_context_data(status_form=status_form), status=400
            )
        answer_form = AnswerForm(request.POST, prefix="answer")
        if answer_form.is_valid() and self._call(
            answer_form,
            lambda: services.answer(
                by=request.user, request=support_request, body=answer_form.cleaned_data["body"]
            ),
        ):
            if support_request.requester_id:
                text = _("Your answer is sent: the person reads it on the site and by e-mail.")
            else:
                text = _("Your answer is sent by e-mail to %(email)s.") % {
                    "email": support_request.email
                }
            messages.success(request, text)
            return redirect("support_admin:detail", pk=support_request.pk)
        return self.render_to_response(self.get_context_data(answer_form=answer_form), status=400)

    def _overturn(self, request, support_request):
        """CTY-4: "Accept the membership" on an appeal against a refusal."""
        try:
            membership = services.overturn(by=request.user, request=support_request)
        except (ValidationError, PermissionDenied) as error:
            return self.render_to_response(
                self.get_context_data(overturn_error=service_error_text(error)), status=400
            )
        messages.success(
            request,
            _("The refusal is overturned: the person is now a member of %(community)s.")
            % {"community": membership.community.name},
        )
        return redirect("support_admin:detail", pk=support_request.pk)

    @staticmethod
    def _call(form, write) -> bool:
        try:
            write()
        except ValidationError as error:
            add_service_errors(form, error)
            return False
        except PermissionDenied as error:
            form.add_error(None, service_error_text(error))
            return False
        return True


class SupportMenuItem(CountedMenuItem):
    def is_shown(self, request):
        return selectors.is_desk_staff(request.user)

    def count(self, request) -> int:
        return selectors.new_count(request.user)


def menu_item():
    return SupportMenuItem(
        TITLE, reverse("support_admin:list"), icon_name="help", order=272, name="support"
    )


urlpatterns = [
    path("support/", DeskListView.as_view(), name="list"),
    path("support/<int:pk>/", DeskDetailView.as_view(), name="detail"),
]
