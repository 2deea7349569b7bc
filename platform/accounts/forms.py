"""Site forms of accounts. Rules live in accounts.services; forms only parse input."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.forms_address import AddressFieldsMixin
from accounts.models import PRESENTATION_MAX_LENGTH
from accounts.suspension import is_suspended, is_suspended_login, suspension_message
from core import phones

User = get_user_model()

PHOTO_HELP = _("JPEG, PNG or WebP, 5 MB at most. Its metadata (such as GPS position) is removed.")

# ALR-3: consent to alert SMS is asked where the mobile is entered, ticked by default,
# and can be withdrawn at any time.
SMS_CONSENT_LABEL = _("Receive alerts by SMS")
SMS_CONSENT_HELP = _(
    "On your mobile, for alerts only (never anything else). You can turn them off at any "
    "time: on your profile, in your notification preferences, or by answering STOP to an "
    "alert SMS."
)


def sms_consent_field(**kwargs) -> forms.BooleanField:
    return forms.BooleanField(
        label=SMS_CONSENT_LABEL, required=False, help_text=SMS_CONSENT_HELP, **kwargs
    )


def phone_region(commune) -> str:
    """Numbers typed without +33/+225 are read in the commune's country."""
    return getattr(commune, "country", None) or "FR"


def localise_phone_field(field, commune, *, mobile: bool) -> None:
    """Read the number in the commune's country; a refusal gives one of its numbers as
    an example (phonenumber_field's own message shows an American one)."""
    region = phone_region(commune)
    field.region = region
    field.widget = phones.NationalPhoneWidget(region=region, attrs=field.widget.attrs)
    field.widget.attrs["autocomplete"] = "tel"
    field.widget.attrs["inputmode"] = "tel"
    sample = phones.example(region, mobile=mobile)
    if sample:
        field.error_messages["invalid"] = _(
            "Enter a valid phone number, for example %(example)s."
        ) % {"example": sample}


class LoginForm(auth_forms.AuthenticationForm):
    """Email and password; an address not yet verified gets a way forward, not a dead end."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean(self):
        # A suspended account is refused before any password is checked: whatever was
        # typed, and without a failed attempt counted towards the lockout.
        if is_suspended_login(self.cleaned_data.get("username")):
            raise forms.ValidationError(suspension_message(), code="suspended")
        return super().clean()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if is_suspended(user):
            raise forms.ValidationError(suspension_message(), code="suspended")
        if user.email_verified_at is None:
            resend = reverse("accounts:resend_verification")
            raise forms.ValidationError(
                format_html(
                    '{} <a href="{}">{}</a>',
                    _(
                        "Confirm your email address first: open the link we sent you "
                        "when you registered."
                    ),
                    resend,
                    _("Send the link again"),
                ),
                code="unverified",
            )


class _PersonFields(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)


class RegistrationForm(AddressFieldsMixin, _PersonFields):
    """ACC-1/2: real name, unique email, password, address; the rest is optional."""

    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    mobile = PhoneNumberField(label=_("Mobile phone"), required=False)
    landline = PhoneNumberField(label=_("Landline"), required=False)
    # Ticked by default; without a mobile it has no effect (nothing to send to).
    accepts_sms = sms_consent_field(initial=True)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    photo = forms.ImageField(label=_("Photo"), required=False, help_text=PHOTO_HELP)
    presentation = forms.CharField(
        label=_("Presentation"),
        required=False,
        max_length=PRESENTATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few words about you, for your neighbours and the town hall."),
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "password",
        "password_confirm",
        "address",
        "latitude",
        "longitude",
        "mobile",
        "landline",
        "accepts_sms",
        "birth_date",
        "photo",
        "presentation",
    ]

    def __init__(self, *args, commune=None, **kwargs):
        super().__init__(*args, commune=commune, **kwargs)
        for name in ("mobile", "landline"):
            localise_phone_field(self.fields[name], commune, mobile=name == "mobile")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_confirm") != data.get("password"):
            self.add_error("password_confirm", _("The two passwords differ."))
        return data


class NeighbourRegistrationForm(AddressFieldsMixin, _PersonFields):
    """ACC-11: name, address and email of a neighbour; they choose their own password."""

    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("They will receive a link there to choose their password."),
    )
    field_order = ["first_name", "last_name", "email", "address", "latitude", "longitude"]


class ProfileForm(_PersonFields):
    """ACC-4/5/6: what a person edits about themselves (no password needed)."""

    pseudonym = forms.CharField(
        label=_("Pseudonym"),
        max_length=50,
        required=False,
        help_text=_("Shown instead of your name where the privacy rules allow it."),
    )
    presentation = forms.CharField(
        label=_("Presentation"),
        required=False,
        max_length=PRESENTATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Only you see it; your neighbours may be told on your birthday."),
    )
    hide_mobile = forms.BooleanField(label=_("Hide my mobile phone"), required=False)
    hide_landline = forms.BooleanField(label=_("Hide my landline"), required=False)
    accepts_sms = sms_consent_field()
    photo = forms.ImageField(label=_("New photo"), required=False, help_text=PHOTO_HELP)
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)


class AddressForm(AddressFieldsMixin, forms.Form):
    pass


class _PasswordCheckMixin(forms.Form):
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Asked again to protect your account."),
    )


class PhonesForm(_PasswordCheckMixin):
    mobile = PhoneNumberField(label=_("Mobile phone"), required=False)
    landline = PhoneNumberField(label=_("Landline"), required=False)
    accepts_sms = sms_consent_field()
    field_order = ["mobile", "landline", "accepts_sms", "password"]

    def __init__(self, *args, commune=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("mobile", "landline"):
            localise_phone_field(self.fields[name], commune, mobile=name == "mobile")


class EmailChangeForm(_PasswordCheckMixin):
    new_email = forms.EmailField(
        label=_("New email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    field_order = ["new_email", "password"]


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
