"""The town hall's own page in the Wagtail admin: its public details, logo and theme."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from communes.forms import read_phones_in
from communes.models import Commune
from communes.selectors import communes_of_staff
from communes.services import TOWN_HALL_FIELDS, commune_update_details
from core.forms import service_errors


class TownHallDetailsForm(WagtailAdminModelForm):
    class Meta:
        model = Commune
        fields = TOWN_HALL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        read_phones_in(self, self.instance.country, "contact_phone")


class TownHallDetailsView(WagtailAdminTemplateMixin, FormView):
    template_name = "wagtailadmin/generic/form.html"
    form_class = TownHallDetailsForm
    header_icon = "home"
    page_title = _("Our commune")

    def dispatch(self, request, pk):
        self.commune = communes_of_staff(request.user).filter(pk=pk).first()
        if self.commune is None:
            raise Http404
        return super().dispatch(request)

    def get_page_subtitle(self):
        return str(self.commune)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.commune}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=reverse("town_hall_details", args=[self.commune.pk]),
            submit_button_label=_("Save"),
            submit_button_active_label=_("Saving…"),
        )
        return context

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if fields:
            with service_errors(form) as call:
                commune_update_details(by=self.request.user, commune=self.commune, **fields)
            if not call.ok:
                return self.form_invalid(form)
            messages.success(
                self.request, _("Details of %(commune)s saved.") % {"commune": self.commune}
            )
        return redirect("town_hall_details", pk=self.commune.pk)


def town_hall_home(request):
    """The menu's entry: the commune of this host if the user edits it, else their first."""
    communes = communes_of_staff(request.user)
    current = getattr(request, "commune", None)
    commune = (
        current
        if current is not None and communes.filter(pk=current.pk).exists()
        else communes.order_by("name").first()
    )
    if commune is None:
        raise Http404
    return redirect("town_hall_details", pk=commune.pk)


urlpatterns = [
    path("our-commune/", town_hall_home, name="town_hall_home"),
    path("our-commune/<int:pk>/", TownHallDetailsView.as_view(), name="town_hall_details"),
]


class TownHallMenuItem(MenuItem):
    def is_shown(self, request):
        return communes_of_staff(request.user).exists()


def menu_item():
    return TownHallMenuItem(
        _("Our commune"), reverse("town_hall_home"), icon_name="home", order=150, name="our-commune"
    )
