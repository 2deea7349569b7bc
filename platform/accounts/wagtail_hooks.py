"""Wagtail admin: residents to validate (ACC-10), and a link from "Account" to the staff
two-factor page (recovery codes)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail import hooks

from accounts import residents_admin

# Residents to validate: the commune's follows, shown through the privacy matrix.
hooks.register("register_admin_urls", lambda: residents_admin.urlpatterns)
hooks.register("register_admin_menu_item", residents_admin.menu_item)


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("accounts:mfa_manage"),
        "label": _("Two-factor authentication"),
        "help_text": _("Your authenticator app and your recovery codes."),
    }
