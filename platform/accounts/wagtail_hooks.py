"""Wagtail admin: a link from "Account" to the staff two-factor page (recovery codes)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail import hooks


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("accounts:mfa_manage"),
        "label": _("Two-factor authentication"),
        "help_text": _("Your authenticator app and your recovery codes."),
    }
