"""Wagtail admin of alerts: town-hall staff send the commune's alerts (ALR-5) and read
every alert they may see, which nobody can change or delete (ALR-4).

The core mounts this viewset behind the module guard. "Add" is the town-hall send
form: saving it calls ``send_town_hall_alert`` (its errors become French form errors).
Editing and deleting are refused by the permission policy to everyone, superusers
included; a correction is a new alert that names the one it corrects.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from core import admin_scope
from core.forms import service_errors
from modules.alerts.models import Alert
from modules.alerts.selectors import STAFF_SCOPE, communes_alerted_by
from modules.alerts.services import send_town_hall_alert
from privacy.matrix import alert_author_name


class TownHallAlertForm(WagtailAdminModelForm):
    # Sending cannot be undone (ALR-4): the person confirms it, and the server checks.
    confirm = forms.BooleanField(
        label=_("I confirm: the alert leaves at once and cannot be changed or deleted."),
        required=True,
        error_messages={
            "required": _("Tick the box to confirm: a sent alert cannot be taken back.")
        },
    )

    class Meta:
        model = Alert
        fields = ["commune", "category", "text", "corrects"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, for_user=None, commune=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        communes = communes_alerted_by(for_user, commune)
        self.fields["commune"].queryset = communes
        self.fields["commune"].help_text = _("Every validated resident of the commune is alerted.")
        if communes.count() == 1:
            self.fields["commune"].initial = communes.first()
        self.fields["corrects"].queryset = Alert.objects.filter(
            commune__in=communes, community__isnull=True
        ).order_by("-created_at")
        self.fields["corrects"].required = False
        self.fields["corrects"].help_text = _(
            "Sending a correction? Choose the alert it corrects: both are shown together."
        )
        self.fields["text"].help_text = _(
            "Sent by e-mail, push and SMS (to residents who accept SMS), and shown in a red "
            "banner until read. It cannot be changed or deleted afterwards."
        )


class AlertIndexView(admin_scope.IndexView):
    def get_base_queryset(self):
        return (
            super().get_base_queryset().select_related("commune", "community", "author", "corrects")
        )


class AlertCreateView(generic.CreateView):
    submit_button_label = _("Send the alert")
    submit_button_active_label = _("Sending…")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["commune"] = getattr(self.request, "commune", None)
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        corrects = self.request.GET.get("corrects", "")
        if corrects.isdigit():
            initial["corrects"] = corrects
        return initial

    def save_instance(self):
        data = self.form.cleaned_data
        return send_town_hall_alert(
            by=self.request.user,
            commune=data["commune"],
            category=data["category"],
            text=data["text"],
            corrects=data.get("corrects"),
            source=Alert.Source.ADMIN,
        )

    def form_valid(self, form):
        self.form = form
        with service_errors(form) as call:
            self.object = self.save_instance()
        if not call.ok:
            return self.service_refused(form)
        return self.save_action()

    def service_refused(self, form):
        # What Wagtail's is_valid() sets for an invalid form, which form_invalid() shows.
        self.produced_error_code = "validation_error"
        self.produced_error_message = self.get_error_message()
        return self.form_invalid(form)

    def get_success_message(self, instance):
        return _("The alert was sent to %(count)d residents.") % {"count": instance.recipients}

    def get_success_buttons(self):
        return []


class AlertInspectView(admin_scope.InspectView):
    def get_author_display_value(self):
        return alert_author_name(self.object.author)

    def get_community_display_value(self):
        return self.object.community.name if self.object.community_id else _("Town hall")


def _where(alert: Alert) -> str:
    return alert.community.name if alert.community is not None else str(_("Town hall"))


class AlertViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Alert
    name = "alerts"
    url_namespace = "alerts_admin"
    icon = "warning"
    menu_label = _("Alerts")
    add_to_admin_menu = True
    menu_order = 350

    commune_scope = STAFF_SCOPE
    index_view_class = AlertIndexView
    add_view_class = AlertCreateView
    inspect_view_class = AlertInspectView
    inspect_view_enabled = True
    form_fields = ["commune", "category", "text", "corrects"]

    list_display = [
        "text",
        "category",
        Column("where", label=_("from"), accessor=_where),
        Column("author", label=_("sent by"), accessor=lambda a: alert_author_name(a.author)),
        "recipients",
        "created_at",
    ]
    list_filter = ["category", "source"]
    ordering = ["-created_at", "-pk"]
    inspect_view_fields = [
        "commune",
        "community",
        "category",
        "text",
        "author",
        "corrects",
        "source",
        "recipients",
        "created_at",
    ]

    def get_form_class(self, for_update=False):
        return TownHallAlertForm

    def get_index_view_kwargs(self, **kwargs):
        # "Add" sends: the button says so.
        return super().get_index_view_kwargs(add_item_label=_("Send an alert"), **kwargs)
