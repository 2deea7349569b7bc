"""Wagtail admin of the town hall's polls (POL-1): "Sondages".

The list shows the polls of the communes in scope (``permissions.STAFF_SCOPE``: the host's
commune, or on the platform's host the communes with the module on that the person
manages; platform staff read them all) with their state (à venir, ouvert, clos), their
participation and their closing time. Staff who publish for the town hall create a poll
with its answers inline, change it, close it early ("Clore maintenant", after a
confirmation) and read its results, as residents see them, with a CSV export.

Every save goes through ``services``: once someone took part, the edit form only offers
the closing time; the question, explanation, answers, opening and results setting are
shown read-only. Dates are typed in the commune's time zone (``Commune.tzinfo``),
whatever the admin user's own time zone.

The CSV export (``results.csv``) is UTF-8 with a byte order mark and ``;`` between
columns, decimals with a comma: what a French Excel opens as is. Columns: question,
answer, votes, percent, participation, counted ballots. It exists only while the results
are visible (``selectors.results_of``'s rule); otherwise the results page says why.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, ObjectList, Panel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateTimeInput

from core import admin_scope
from core.admin_labels import MASCULINE, FrenchGenderMixin
from modules.polls.exports import results_csv
from modules.polls.models import MAX_CHOICES, MIN_CHOICES, Choice, Participation, Poll
from modules.polls.permissions import (
    MANAGE_SCOPE,
    STAFF_SCOPE,
    can_manage_polls,
)
from modules.polls.services import poll_close, poll_create, poll_update

# --- state ---------------------------------------------------------------------------


def poll_state(poll: Poll, now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    if poll.opens_at > now:
        return pgettext("poll state", "Upcoming")
    if poll.is_closed(now):
        return pgettext("poll state", "Closed")
    return pgettext("poll state", "Open")


def local(moment: datetime.datetime, commune) -> datetime.datetime:
    return timezone.localtime(moment, commune.tzinfo)


def wall_clock(moment: datetime.datetime, commune) -> datetime.datetime:
    """The commune's local time, naive: templates' ``date`` filter would convert an aware
    one to the admin user's zone."""
    return timezone.make_naive(moment, commune.tzinfo)


# --- forms ---------------------------------------------------------------------------


class LocalDateTimeField(forms.DateTimeField):
    """A date and time as typed (naive): the form makes it aware in the commune's zone."""

    widget = AdminDateTimeInput

    def to_python(self, value):
        with timezone.override(datetime.UTC):
            moment = super().to_python(value)
        return None if moment is None else timezone.make_naive(moment, datetime.UTC)

    def prepare_value(self, value):
        return value  # initial values are naive local times already


class PollForm(WagtailAdminModelForm):
    opens_at = LocalDateTimeField(label=capfirst(_("opens at")))
    closes_at = LocalDateTimeField(label=capfirst(_("closes at")))

    class Meta:
        model = Poll
        fields = ["commune", "question", "description", "opens_at", "closes_at", "results"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, for_user=None, commune=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        poll = self.instance
        if "commune" in self.fields:
            communes = MANAGE_SCOPE.communes(user=for_user, commune=commune).order_by("name")
            self.fields["commune"].queryset = communes
            if poll.pk:
                self.fields["commune"].disabled = True
            elif communes.count() == 1:
                self.fields["commune"].initial = communes.first()
        zone = poll.commune.time_zone if poll.pk else None
        if zone is None and commune is not None:
            zone = commune.time_zone
        hint = (
            gettext("Time in %(zone)s, the commune's time zone.") % {"zone": zone}
            if zone
            else gettext("Time in the chosen commune's time zone.")
        )
        for name in ("opens_at", "closes_at"):
            if name in self.fields:
                self.fields[name].help_text = hint
                if poll.pk:
                    self.initial[name] = wall_clock(getattr(poll, name), poll.commune)
        if not poll.pk and "opens_at" in self.fields and "opens_at" not in self.initial:
            zone_info = commune.tzinfo if commune is not None else timezone.get_current_timezone()
            now = timezone.localtime(timezone.now(), zone_info).replace(second=0, microsecond=0)
            self.initial["opens_at"] = timezone.make_naive(now, zone_info)
            self.fields["opens_at"].help_text = gettext(
                "%(hint)s Leave the current time to open it at once."
            ) % {"hint": hint}

    def commune_of_form(self):
        if self.instance.pk:
            return self.instance.commune
        return self.cleaned_data.get("commune")

    def clean(self):
        data = super().clean()
        commune = self.commune_of_form()
        # Without a valid commune the form is refused anyway: any zone will do meanwhile.
        zone = commune.tzinfo if commune is not None else timezone.get_current_timezone()
        for name in ("opens_at", "closes_at"):
            value = data.get(name)
            if isinstance(value, datetime.datetime) and timezone.is_naive(value):
                data[name] = timezone.make_aware(value, zone)
        return data


class LockedPollForm(PollForm):
    """Once someone took part: only the closing time."""

    opens_at = None  # type: ignore[assignment]  # shown read-only by its panel

    class Meta(PollForm.Meta):
        fields = ["closes_at"]


class LocalTimePanel(Panel):
    """A date and time of the poll, read-only, in its commune's time zone."""

    def __init__(self, field_name, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_name = field_name

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "field_name": self.field_name}

    class BoundPanel(Panel.BoundPanel):
        template_name = "polls/admin/local_time_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            moment = getattr(self.instance, self.panel.field_name)
            context["moment"] = wall_clock(moment, self.instance.commune)
            context["zone"] = self.instance.commune.time_zone
            return context


class AnswersPanel(Panel):
    """The answers of a poll, read-only (votes counted so far are the results page's)."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "polls/admin/answers_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["answers"] = list(Choice.objects.filter(poll=self.instance))
            return context


OPEN_PANELS = [
    FieldPanel("commune"),
    FieldPanel("question"),
    FieldPanel("description"),
    InlinePanel(
        "choices",
        panels=[FieldPanel("label")],
        min_num=MIN_CHOICES,
        max_num=MAX_CHOICES,
        # ``label`` names each child ("Réponse 1", "Ajouter : réponse").
        label=pgettext_lazy("poll", "Answer"),
        heading=_("Answers (2 to 10)"),
    ),
    FieldPanel("opens_at"),
    FieldPanel("closes_at"),
    FieldPanel("results"),
]
LOCKED_PANELS = [
    HelpPanel(
        content=_("People have already voted: only the closing time can still change."),
        heading=_("Votes received"),
    ),
    FieldPanel("commune", read_only=True),
    FieldPanel("question", read_only=True),
    FieldPanel("description", read_only=True),
    AnswersPanel(heading=_("Answers")),
    LocalTimePanel("opens_at", heading=_("opens at")),
    FieldPanel("results", read_only=True),
    FieldPanel("closes_at"),
]
EDIT_HANDLER = ObjectList(OPEN_PANELS, base_form_class=PollForm).bind_to_model(Poll)
LOCKED_EDIT_HANDLER = ObjectList(LOCKED_PANELS, base_form_class=LockedPollForm).bind_to_model(Poll)


def answer_labels(form) -> list[str]:
    """The answers typed in the inline forms, in their order, removed ones left out."""
    formset = form.formsets["choices"]
    labels = []
    for child in formset.forms:
        data = getattr(child, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            continue
        labels.append(data.get("label", ""))
    return labels


def add_errors(form, error: ValidationError | PermissionDenied) -> None:
    """A service's refusal on the form: its fields, else the form itself ("choices": the
    answers' formset has no field of that name)."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or gettext("You may not do this."))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages_ in error.message_dict.items():
        if field != NON_FIELD_ERRORS and field in form.fields and not form.fields[field].disabled:
            form.add_error(field, messages_)
        elif field == "choices" and "choices" in getattr(form, "formsets", {}):
            formset = form.formsets["choices"]
            formset._non_form_errors = formset.error_class([*formset.non_form_errors(), *messages_])
            form.add_error(None, messages_)
        else:
            form.add_error(None, messages_)


class _ServiceSaveMixin:
    def form_valid(self, form):
        self.form = form
        try:
            self.object = self.save_instance()
        except (ValidationError, PermissionDenied) as error:
            add_errors(form, error)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        return self.save_action()


class PollCreateView(_ServiceSaveMixin, generic.CreateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "commune": getattr(self.request, "commune", None)}

    def save_instance(self):
        data = self.form.cleaned_data
        return poll_create(
            commune=data["commune"],
            by=self.request.user,
            question=data["question"],
            description=data.get("description", ""),
            choices=answer_labels(self.form),
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            results=data["results"],
        )


class PollEditView(_ServiceSaveMixin, admin_scope.EditView):
    def setup(self, request, *args, **kwargs):
        # Whether anybody took part decides the form (the object is read later, scoped).
        self.locked = Participation.objects.filter(poll_id=kwargs.get("pk")).exists()
        super().setup(request, *args, **kwargs)

    def get_panel(self):
        return LOCKED_EDIT_HANDLER if self.locked else EDIT_HANDLER

    def get_form_class(self):
        return self.panel.get_form_class()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "commune": getattr(self.request, "commune", None)}

    def save_instance(self):
        data = self.form.cleaned_data
        poll = Poll.objects.select_related("commune").get(pk=self.object.pk)
        if self.locked:
            return poll_update(poll=poll, by=self.request.user, closes_at=data["closes_at"])
        return poll_update(
            poll=poll,
            by=self.request.user,
            question=data["question"],
            description=data.get("description", ""),
            choices=answer_labels(self.form),
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            results=data["results"],
        )


class PollIndexView(admin_scope.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("commune")
            .annotate(participants=Count("participations"))
        )

    def get_list_more_buttons(self, instance):
        buttons = [
            *super().get_list_more_buttons(instance),
            MenuItem(
                pgettext_lazy("poll", "Results"),
                url=reverse("polls_admin:results", args=[instance.pk]),
                icon_name="list-ul",
                priority=20,
            ),
        ]
        if instance.is_open() and can_manage_polls(self.request.user, instance.commune):
            buttons.append(
                MenuItem(
                    _("Close now"),
                    url=reverse("polls_admin:close", args=[instance.pk]),
                    icon_name="lock",
                    priority=30,
                )
            )
        return buttons


# --- close, results ------------------------------------------------------------------


class _PollPageMixin(WagtailAdminTemplateMixin):
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        polls = STAFF_SCOPE.for_request(Poll.objects.select_related("commune"), request)
        self.poll = get_object_or_404(polls, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("polls_admin:index"), "label": pgettext("admin menu", "Polls")},
            {"url": "", "label": self.poll.question},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["poll"] = self.poll
        context["closes_local"] = wall_clock(self.poll.closes_at, self.poll.commune)
        context["opens_local"] = wall_clock(self.poll.opens_at, self.poll.commune)
        context["state"] = poll_state(self.poll)
        return context


class PollCloseView(_PollPageMixin, TemplateView):
    """ "Clore maintenant": a confirmation page, then the service (POST)."""

    template_name = "polls/admin/close.html"
    page_title = _("Close the poll now")

    def get(self, request, *args, **kwargs):
        if not can_manage_polls(request.user, self.poll.commune):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not can_manage_polls(request.user, self.poll.commune):
            raise PermissionDenied
        try:
            poll_close(poll=self.poll, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("polls_admin:index")
        messages.success(
            request,
            gettext("The poll “%(question)s” is closed; its last ballots are being counted.")
            % {"question": self.poll.question},
        )
        return redirect("polls_admin:results", pk=self.poll.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["participants"] = Participation.objects.filter(poll=self.poll).count()
        context["action_url"] = reverse("polls_admin:close", args=[self.poll.pk])
        return context


def staff_results(poll: Poll, user):
    from modules.polls.selectors import results_of

    return results_of(poll, user)


class PollResultsView(_PollPageMixin, TemplateView):
    template_name = "polls/admin/results.html"
    page_title = _("Results of the poll")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["results"] = staff_results(self.poll, self.request.user)
        context["csv_url"] = reverse("polls_admin:results_csv", args=[self.poll.pk])
        context["can_close"] = self.poll.is_open() and can_manage_polls(
            self.request.user, self.poll.commune
        )
        return context


class PollResultsCsvView(_PollPageMixin, View):
    def get(self, request, *args, **kwargs):
        results = staff_results(self.poll, request.user)
        if not results.visible:
            raise Http404
        return results_csv(self.poll, results)


class PollViewSet(FrenchGenderMixin, admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Poll
    model_gender = MASCULINE  # un sondage
    name = "polls"
    url_namespace = "polls_admin"
    icon = "tasks"
    menu_label = pgettext_lazy("admin menu", "Polls")
    add_to_admin_menu = True
    menu_order = 430

    commune_scope = STAFF_SCOPE
    index_view_class = PollIndexView
    add_view_class = PollCreateView
    edit_view_class = PollEditView
    inspect_view_enabled = False
    edit_handler = EDIT_HANDLER

    list_display = [
        "question",
        "commune",
        Column("state", label=capfirst(_("state")), accessor=poll_state),
        Column("participants", label=capfirst(_("participation")), sort_key="participants"),
        Column(
            "closes_at",
            label=capfirst(_("closes at")),
            accessor=lambda poll: date_format(
                local(poll.closes_at, poll.commune), "DATETIME_FORMAT"
            ),
            sort_key="closes_at",
        ),
    ]
    list_filter = ["results"]
    search_fields = ["question"]
    search_backend_name = None
    ordering = ["-opens_at", "-pk"]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/close/", PollCloseView.as_view(), name="close"),
            path("<int:pk>/results/", PollResultsView.as_view(), name="results"),
            path("<int:pk>/results.csv", PollResultsCsvView.as_view(), name="results_csv"),
        ]
