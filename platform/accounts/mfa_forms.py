"""Forms of the staff two-factor pages (accounts.mfa_views)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from accounts.mfa import Verification, throttled_message, verify_code
from accounts.security import lockout_message

if TYPE_CHECKING:
    from accounts.models import User

CODE_MAX_LENGTH = 32


def code_widget(*, numeric: bool) -> forms.TextInput:
    attrs: dict[str, str | bool] = {
        "autocomplete": "one-time-code",
        "autocapitalize": "off",
        "autocorrect": "off",
        "spellcheck": "false",
    }
    if numeric:
        attrs.update({"inputmode": "numeric", "size": "8", "autofocus": True})
    else:
        attrs["size"] = "14"
    return forms.TextInput(attrs=attrs)


class _CodeForm(forms.Form):
    """Checks the code with ``accounts.mfa.verify_code``; the result is ``self.verification``."""

    field_name = "code"
    wrong_message = _(
        "This code is wrong or has expired. Check that your phone is on time and try again."
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.verification: Verification | None = None  # set once a code was checked

    def check(self, code: str) -> Verification:
        return verify_code(self.user, code)

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get(self.field_name)
        if code:
            self.verification = self.check(code)
            if self.verification.throttled:
                self.add_error(self.field_name, throttled_message(self.verification.wait_seconds))
            elif not self.verification.ok:
                self.add_error(self.field_name, self.wrong_message)
        return cleaned


class SetupForm(_CodeForm):
    code = forms.CharField(
        label=_("6-digit code shown by the app"),
        max_length=CODE_MAX_LENGTH,
        widget=code_widget(numeric=True),
    )

    def __init__(self, user, device, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.device = device

    def check(self, code: str) -> Verification:
        return verify_code(self.user, code, device=self.device)


class VerifyForm(_CodeForm):
    code = forms.CharField(
        label=_("6-digit code shown by your authenticator app"),
        max_length=CODE_MAX_LENGTH,
        widget=code_widget(numeric=True),
    )


class RecoveryCodeForm(_CodeForm):
    field_name = "recovery_code"
    wrong_message = _("This recovery code is wrong or has already been used.")

    recovery_code = forms.CharField(
        label=_("Recovery code"),
        help_text=_("One of the codes you printed or saved, for example abcde-fghij."),
        max_length=CODE_MAX_LENGTH,
        widget=code_widget(numeric=False),
    )


class ConfirmPasswordForm(forms.Form):
    """Asks the password again before a sensitive change; wrong ones count toward the lockout."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = authenticate(
            self.request, username=self.request.user.get_username(), password=password
        )
        if user is None:
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(lockout_message(), code="locked")
            raise forms.ValidationError(_("Wrong password."), code="wrong_password")
        if user.pk != self.request.user.pk:
            raise forms.ValidationError(_("Wrong password."), code="wrong_password")
        return password
