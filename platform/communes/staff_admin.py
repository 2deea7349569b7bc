"""Town-hall staff in the Wagtail admin ("Town-hall staff"): list, grant and revoke roles.

Those who manage a commune's staff (its mayor, its hosting partner's staff,
superusers: ``communes.roles``) see the roles of that commune, grant a role to
an existing account chosen by its exact email address (nobody is ever shown
the list of the platform's accounts) and revoke one. On a commune's host only
that commune is in scope; on the platform's host, every commune the person
manages. A commune out of scope answers 404, like one that does not exist.

An address that no account uses can be invited instead (issue 20: the police,
or any role): the form then offers "Send an invitation"; pending invitations are
listed with "Cancel" (``communes.invitations``).

Staff are shown by their real name: a town-hall role is a public function.
Writes go through ``communes.services.staff_role_grant``/``staff_role_revoke`` and
``staff_invite``/``staff_invitation_cancel``.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogFormatter

from communes.models import StaffInvitation, StaffRole
from communes.roles import MANAGE_STAFF, ROLE_PERMISSIONS
from communes.selectors import staff_communes_in_scope
from communes.services import (
    staff_invitation_cancel,
    staff_invite,
    staff_role_grant,
    staff_role_revoke,
)
from core.forms import service_errors

ROLE_ORDER = {role: index for index, role in enumerate(ROLE_PERMISSIONS)}
TITLE = gettext_lazy("Town-hall staff")


def managed_communes(request):
    return staff_communes_in_scope(request, MANAGE_STAFF).order_by("name", "pk")


class StaffRoleGrantForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address of the account"),
        help_text=gettext_lazy(
            "The exact address of the person's account; if they have none yet, you can send "
            "them an invitation to register."
        ),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=StaffRole.Role.choices)

    # Set by the view when the person chose "Send an invitation".
    invite = False

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        self.person = get_user_model().objects.filter(email__iexact=email).first()
        if self.person is None and not self.invite:
            self.offers_invitation = True
            raise ValidationError(_("No account uses this email address."))
        return email


class CommuneScopedMixin:
    """Fetch the commune among those in scope: 404 for "missing" and "not yours" alike."""

    def dispatch(self, request, *args, **kwargs):
        self.commune = managed_communes(request).filter(pk=kwargs["pk"]).first()
        if self.commune is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.commune)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("town_hall_staff_home"), "label": TITLE},
            {"url": "", "label": str(self.commune)},
        ]


class StaffRolesView(CommuneScopedMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "communes/admin/staff.html"
    form_class = StaffRoleGrantForm
    page_title = TITLE
    header_icon = "group"

    def get_roles(self) -> list[StaffRole]:
        roles = StaffRole.objects.filter(commune=self.commune).select_related("user", "granted_by")
        return sorted(
            roles,
            key=lambda r: (ROLE_ORDER.get(r.role, 99), r.user.last_name, r.user.first_name, r.pk),
        )

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.invite = self.request.method == "POST" and "invite" in self.request.POST
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            commune=self.commune,
            roles=self.get_roles(),
            invitations=StaffInvitation.objects.pending()
            .filter(commune=self.commune)
            .select_related("invited_by")
            .order_by("created_at", "pk"),
            offers_invitation=getattr(context.get("form"), "offers_invitation", False),
            action_url=reverse("town_hall_staff", args=[self.commune.pk]),
        )
        return context

    def form_valid(self, form):
        if form.person is None:
            return self.invite(form)
        with service_errors(form) as call:
            granted = staff_role_grant(
                commune=self.commune,
                user=form.person,
                role=form.cleaned_data["role"],
                by=self.request.user,
            )
        if not call.ok:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(person)s is now %(role)s of %(commune)s.")
            % {
                "person": granted.user.get_full_name(),
                "role": granted.get_role_display().lower(),
                "commune": self.commune,
            },
        )
        return redirect("town_hall_staff", pk=self.commune.pk)

    def invite(self, form):
        with service_errors(form) as call:
            invitation = staff_invite(
                commune=self.commune,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=self.request.user,
            )
        if not call.ok:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("An invitation to be %(role)s of %(commune)s was sent to %(email)s.")
            % {
                "role": invitation.get_role_display().lower(),
                "commune": self.commune,
                "email": invitation.email,
            },
        )
        return redirect("town_hall_staff", pk=self.commune.pk)


class StaffInvitationCancelView(CommuneScopedMixin, View):
    """POST only: withdraw a pending invitation of the commune (404 for anything else)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invitation = (
            StaffInvitation.objects.pending()
            .filter(commune=self.commune, pk=kwargs["invitation_pk"])
            .select_related("commune")
            .first()
        )
        if invitation is None:
            raise Http404
        with service_errors() as call:
            staff_invitation_cancel(invitation=invitation, by=request.user)
        if not call.ok:
            messages.error(request, call.error)
        else:
            messages.success(
                request,
                _("The invitation sent to %(email)s is cancelled.") % {"email": invitation.email},
            )
        return redirect("town_hall_staff", pk=self.commune.pk)


class StaffRoleRevokeView(CommuneScopedMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "communes/admin/staff_revoke.html"
    page_title = gettext_lazy("Revoke a role")
    header_icon = "group"

    def get_role(self) -> StaffRole:
        role = (
            StaffRole.objects.filter(commune=self.commune, pk=self.kwargs["role_pk"])
            .select_related("user", "commune")
            .first()
        )
        if role is None:
            raise Http404
        return role

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            commune=self.commune,
            role=self.get_role(),
            action_url=reverse(
                "town_hall_staff_revoke", args=[self.commune.pk, self.kwargs["role_pk"]]
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        role = self.get_role()
        with service_errors() as call:
            staff_role_revoke(role_obj=role, by=request.user)
        if not call.ok:
            messages.error(request, call.error)
        else:
            messages.success(
                request,
                _("%(person)s is no longer %(role)s of %(commune)s.")
                % {
                    "person": role.user.get_full_name(),
                    "role": role.get_role_display().lower(),
                    "commune": self.commune,
                },
            )
            if not managed_communes(request).filter(pk=self.commune.pk).exists():
                return redirect("wagtailadmin_home")  # they revoked their own mayor role
        return redirect("town_hall_staff", pk=self.commune.pk)


class StaffHomeView(WagtailAdminTemplateMixin, TemplateView):
    """The menu's entry: straight to the commune when there is one, else a choice."""

    template_name = "communes/admin/staff_communes.html"
    page_title = TITLE
    header_icon = "group"

    def get(self, request, *args, **kwargs):
        communes = list(managed_communes(request)[:2])
        if not communes:
            raise Http404
        if len(communes) == 1:
            return redirect("town_hall_staff", pk=communes[0].pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "communes": managed_communes(self.request)}


urlpatterns = [
    path("town-hall-staff/", StaffHomeView.as_view(), name="town_hall_staff_home"),
    path("town-hall-staff/<int:pk>/", StaffRolesView.as_view(), name="town_hall_staff"),
    path(
        "town-hall-staff/<int:pk>/revoke/<int:role_pk>/",
        StaffRoleRevokeView.as_view(),
        name="town_hall_staff_revoke",
    ),
    path(
        "town-hall-staff/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        StaffInvitationCancelView.as_view(),
        name="town_hall_staff_invitation_cancel",
    ),
]


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return managed_communes(request).exists()


def menu_item():
    return StaffMenuItem(
        TITLE,
        reverse("town_hall_staff_home"),
        icon_name="group",
        order=151,
        name="town-hall-staff",
    )


def register_log_actions(actions):
    def describe(entry) -> dict:
        role = entry.data.get("role", "")
        label = dict(StaffRole.Role.choices).get(role, role)
        return {"person": entry.data.get("name") or "?", "role": label}

    @actions.register_action("communes.staff_role_grant")
    class StaffRoleGrant(LogFormatter):
        label = gettext_lazy("Town-hall role granted")

        def format_message(self, log_entry):
            return _("Role “%(role)s” granted to %(person)s") % describe(log_entry)

    @actions.register_action("communes.staff_invite")
    class StaffInvite(LogFormatter):
        label = gettext_lazy("Invitation to a town-hall role sent")

        def format_message(self, log_entry):
            return _("Invitation to the role “%(role)s” sent") % describe(log_entry)

    @actions.register_action("communes.staff_invitation_cancel")
    class StaffInvitationCancel(LogFormatter):
        label = gettext_lazy("Invitation to a town-hall role cancelled")

        def format_message(self, log_entry):
            return _("Invitation to the role “%(role)s” cancelled") % describe(log_entry)

    @actions.register_action("communes.staff_role_revoke")
    class StaffRoleRevoke(LogFormatter):
        label = gettext_lazy("Town-hall role revoked")

        def format_message(self, log_entry):
            return _("Role “%(role)s” revoked from %(person)s") % describe(log_entry)
