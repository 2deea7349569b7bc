from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from notifications.kinds import Frequency
from notifications.services import ALERTS_LOCKED


class PreferencesForm(forms.Form):
    """One row per rubric: frequency, e-mail too, push on the app (NOT-2).

    Locked rubrics (alerts) are shown disabled; a forged POST that changes them
    is refused with the same message as the API's.

    Given ``user``, a locked rubric also carries the SMS switch (ALR-3): SMS only ever
    serve the locked rubric, and the switch is the person's consent to alert SMS
    (``accepts_sms``), disabled while they have no mobile number.
    """

    def __init__(self, *args, preferences, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.preferences = preferences
        self.user = user
        for choice in preferences:
            key = choice.rubric.key
            if choice.rubric.sms and user is not None:
                self.fields[f"{key}-sms"] = forms.BooleanField(
                    label=_("Receive alerts by SMS"),
                    required=False,
                    initial=user.accepts_sms,
                    disabled=not user.mobile,
                    help_text=_("On your mobile, for alerts only.")
                    if user.mobile
                    else _("Give your mobile number on your profile to receive them."),
                )
            self.fields[f"{key}-frequency"] = forms.ChoiceField(
                label=_("Frequency"),
                choices=Frequency.choices,
                initial=choice.frequency,
                disabled=choice.locked,
            )
            self.fields[f"{key}-email"] = forms.BooleanField(
                label=_("By e-mail too"),
                required=False,
                initial=choice.email,
                disabled=choice.locked,
            )
            self.fields[f"{key}-push"] = forms.BooleanField(
                label=_("Push notifications on the app"),
                required=False,
                initial=choice.push,
                disabled=choice.locked,
            )

    def clean(self):
        cleaned = super().clean()
        for choice in self.preferences:
            if not choice.locked:
                continue
            # Disabled fields ignore what is posted; say so rather than pretend.
            posted = self.data.get(f"{choice.rubric.key}-frequency")
            if posted not in (None, choice.frequency):
                raise ValidationError(ALERTS_LOCKED)
        return cleaned

    def rows(self):
        for choice in self.preferences:
            key = choice.rubric.key
            yield {
                "choice": choice,
                "frequency": self[f"{key}-frequency"],
                "email": self[f"{key}-email"],
                "push": self[f"{key}-push"],
                "sms": self[f"{key}-sms"] if f"{key}-sms" in self.fields else None,
            }

    def sms_consent(self) -> bool | None:
        """The SMS switch's value, or ``None`` when there is none to change."""
        for name, field in self.fields.items():
            if name.endswith("-sms") and not field.disabled:
                return self.cleaned_data[name]
        return None

    def values(self):
        for choice in self.preferences:
            if choice.locked:
                continue
            key = choice.rubric.key
            yield (
                key,
                self.cleaned_data[f"{key}-frequency"],
                self.cleaned_data[f"{key}-email"],
                self.cleaned_data[f"{key}-push"],
            )
