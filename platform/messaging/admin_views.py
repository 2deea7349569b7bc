"""Wagtail admin of the town halls' inboxes ("Messagerie", TWN-3).

Staff who publish for a commune (``selectors.STAFF_SCOPE``, ``core.admin_scope``) read
its shared inbox, answer signed "Mairie de …" with their role, and write to a validated
resident. A thread of another commune answers 404, exactly as one that does not exist.
Reading a thread marks it read for the whole town hall (one shared read state).

"Write to a référent" (COM-2): a partner town hall's staff member holding
``contact_referents`` (police, mayor) writes to a référent of one of its communities, in
their own name with their role; the thread is theirs (their inbox on the site,
``/messages/``), not the town hall's shared inbox. The partner communities page links here.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.forms import service_errors
from core.ids import MAX_ID
from messaging import selectors, services
from messaging.models import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH
from messaging.threads import attach_authors, attach_participants
from privacy.matrix import people_cards

TITLE = gettext_lazy("Messaging")
PAGE_SIZE = 30


def _host_commune(request):
    return getattr(request, "commune", None)


class InboxView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "messaging/admin/inbox.html"
    page_title = TITLE
    header_icon = "mail"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        sides = selectors.town_hall_threads(user=request.user, commune=_host_commune(request))
        page_obj = Paginator(sides, PAGE_SIZE).get_page(request.GET.get("p"))
        rows = attach_participants(request.user, page_obj.object_list)
        context.update(
            rows=rows,
            page_obj=page_obj,
            communes=selectors.STAFF_SCOPE.communes_for_request(request).order_by("name"),
        )
        return context


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your answer"),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": gettext_lazy("Write your message.")},
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Signed with the name of the town hall and your role, never your e-mail address."
        ),
    )


class ThreadView(WagtailAdminTemplateMixin, FormView):
    template_name = "messaging/admin/thread.html"
    form_class = ReplyForm
    page_title = gettext_lazy("Conversation")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.side = selectors.access_town_hall_thread(
            request.user, kwargs["pk"], commune=_host_commune(request)
        )
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("messaging_admin:inbox"), "label": TITLE},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        thread = self.side.thread
        page = list(selectors.messages_of(thread).select_related("thread__commune")[:100])
        attach_authors(self.request.user, page)
        selectors.mark_new(page, viewer_id=self.request.user.pk, since=self.side.last_read_at)
        if self.request.method == "GET":
            services.mark_read(participant=self.side)
        attach_participants(self.request.user, [self.side])
        context.update(
            side=self.side,
            thread=thread,
            page=list(reversed(page)),
            town_hall=selectors.town_hall_name(thread.commune),
            action_url=reverse("messaging_admin:thread", args=[thread.pk]),
        )
        return context

    def form_valid(self, form):
        with service_errors(form) as call:
            services.town_hall_reply(
                thread=self.side.thread, by=self.request.user, body=form.cleaned_data["body"]
            )
        if not call.ok:
            return self.form_invalid(form)
        messages.success(self.request, _("Your answer is sent, signed by the town hall."))
        return redirect("messaging_admin:thread", pk=self.side.thread_id)


class NewThreadForm(forms.Form):
    resident = forms.TypedChoiceField(
        label=gettext_lazy("Resident"), coerce=int, choices=(), required=True
    )
    subject = forms.CharField(
        label=gettext_lazy("Subject (optional)"), max_length=SUBJECT_MAX_LENGTH, required=False
    )
    body = ReplyForm.base_fields["body"]


class NewThreadView(WagtailAdminTemplateMixin, FormView):
    """ "Écrire à un habitant": search a validated resident by name, then write."""

    template_name = "messaging/admin/new.html"
    form_class = NewThreadForm
    page_title = gettext_lazy("Write to a resident")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        communes = selectors.STAFF_SCOPE.communes_for_request(request)
        slug = request.GET.get("commune") or request.POST.get("commune") or ""
        self.commune = (
            communes.filter(slug=slug).first() if slug else communes.order_by("name").first()
        )
        if self.commune is None:
            raise Http404
        self.communes = communes.order_by("name")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("messaging_admin:inbox"), "label": TITLE},
            {"url": "", "label": self.page_title},
        ]

    def _candidates(self):
        query = (self.request.GET.get("q") or "").strip()[:100]
        picked = self.request.POST.get("resident") or self.request.GET.get("resident") or ""
        people = selectors.search_residents(self.commune, query) if len(query) >= 2 else []
        ids = [p.pk for p in people]
        if picked.isdigit() and int(picked) < MAX_ID:
            ids.append(int(picked))
        qs = selectors.residents_of(self.commune).filter(pk__in=ids)
        return query, people_cards(self.request.user, qs.order_by("last_name", "first_name"))

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        self.query, self.cards = self._candidates()
        form.fields["resident"].choices = [(c.id, c.display_name) for c in self.cards if c.id]
        if self.request.method == "GET" and self.request.GET.get("resident"):
            form.initial["resident"] = self.request.GET["resident"]
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            commune=self.commune,
            communes=self.communes,
            query=self.query,
            town_hall=selectors.town_hall_name(self.commune),
            action_url=reverse("messaging_admin:new"),
        )
        return context

    def form_valid(self, form):
        resident = (
            selectors.residents_of(self.commune).filter(pk=form.cleaned_data["resident"]).first()
        )
        with service_errors(form) as call:
            thread = services.town_hall_thread_open(
                by=self.request.user,
                commune=self.commune,
                resident=resident,
                body=form.cleaned_data["body"],
                subject=form.cleaned_data["subject"],
            )
        if not call.ok:
            return self.form_invalid(form)
        messages.success(self.request, _("Your message is sent, signed by the town hall."))
        return redirect("messaging_admin:thread", pk=thread.pk)


class ReferentThreadForm(forms.Form):
    referent = forms.TypedChoiceField(
        label=gettext_lazy("Référent"),
        coerce=int,
        choices=(),
        required=True,
        error_messages={"invalid_choice": gettext_lazy("Choose a référent in the list.")},
    )
    subject = forms.CharField(
        label=gettext_lazy("Subject (optional)"), max_length=SUBJECT_MAX_LENGTH, required=False
    )
    body = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": gettext_lazy("Write your message.")},
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Sent in your name with your role; the référent answers on the platform, in your "
            "messages (never by e-mail: e-mail addresses stay private)."
        ),
    )


class ReferentThreadView(WagtailAdminTemplateMixin, FormView):
    """ "Write to a référent" (COM-2), prefilled from the partner communities page."""

    template_name = "messaging/admin/referent_new.html"
    form_class = ReferentThreadForm
    page_title = gettext_lazy("Write to a référent")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        communes = selectors.communes_contacting_referents(request.user)
        host = _host_commune(request)
        if host is not None:
            communes = communes.filter(pk=host.pk)
        slug = request.GET.get("commune") or request.POST.get("commune") or ""
        self.commune = (
            communes.filter(slug=slug).first() if slug else communes.order_by("name").first()
        )
        if self.commune is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.commune)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("communities_partner", args=[self.commune.pk]), "label": TITLE},
            {"url": "", "label": self.page_title},
        ]

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["referent"].choices = [
            (person.pk, label) for person, label in selectors.referent_choices(self.commune)
        ]
        picked = self.request.GET.get("referent") or ""
        if self.request.method == "GET" and picked.isdigit() and int(picked) < MAX_ID:
            form.initial["referent"] = int(picked)
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            commune=self.commune,
            signature=selectors.referent_contact_label(self.request.user, self.commune),
            action_url=reverse("messaging_admin:referent_new"),
            back_url=reverse("communities_partner", args=[self.commune.pk]),
        )
        return context

    def form_valid(self, form):
        referent = (
            selectors.referents_of_commune(self.commune)
            .filter(pk=form.cleaned_data["referent"])
            .first()
        )
        with service_errors(form) as call:
            thread = services.referent_thread_open(
                by=self.request.user,
                commune=self.commune,
                referent=referent,
                body=form.cleaned_data["body"],
                subject=form.cleaned_data["subject"],
            )
        if not call.ok:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your message is sent. The answers come in your messages."),
            buttons=[
                messages.button(
                    reverse("messaging:thread", args=[thread.pk]), _("See the conversation")
                )
            ],
        )
        return redirect("communities_partner", pk=self.commune.pk)


class MessagingMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.STAFF_SCOPE.serves(request)


def menu_item():
    return MessagingMenuItem(
        TITLE, reverse("messaging_admin:inbox"), icon_name="mail", order=265, name="messaging"
    )


urlpatterns = [
    path("messagerie/", InboxView.as_view(), name="inbox"),
    path("messagerie/ecrire/", NewThreadView.as_view(), name="new"),
    path("messagerie/<int:pk>/", ThreadView.as_view(), name="thread"),
    path("messagerie/referents/ecrire/", ReferentThreadView.as_view(), name="referent_new"),
]
