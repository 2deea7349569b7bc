"""The page an invited person opens to take a town-hall role (``communes.invitations``).

``/equipe/invitation/<token>/``: signed out, it sends to the login page and back;
signed in, it shows the commune and the role and a button that accepts
(``communes.services.staff_invitation_accept``: the account's verified address must be
the invited one). An unknown, expired, withdrawn or used token answers 404 with a
page that says so.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communes.services import staff_invitation_accept, staff_invitation_for_token
from core.forms import service_errors


@require_http_methods(["GET", "HEAD", "POST"])
def accept(request, token: str):
    invitation = staff_invitation_for_token(token)
    if invitation is None:
        return render(request, "communes/staff_invitation.html", {"invitation": None}, status=404)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    error = ""
    if request.method == "POST":
        with service_errors() as call:
            role = staff_invitation_accept(token=token, user=request.user)
        if call.ok:
            messages.success(
                request,
                _("You are now %(role)s of %(commune)s.")
                % {"role": role.get_role_display().lower(), "commune": role.commune.name},
            )
            return redirect("wagtailadmin_home")
        error = call.error
    return render(
        request,
        "communes/staff_invitation.html",
        {
            "invitation": invitation,
            "error": error,
            "same_address": request.user.email.strip().lower() == invitation.email.lower(),
        },
        status=403 if error else 200,
    )


# Mounted at the site's root (config.urls): ``path("", include("communes.invitation_views"))``.
urlpatterns = [
    path("equipe/invitation/<str:token>/", accept, name="staff_invitation"),
]
