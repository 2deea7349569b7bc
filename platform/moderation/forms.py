"""Site forms of moderation: reporting an item or a person, appealing a decision.

The forms only shape the input; ``moderation.services`` decides (own content, a second
report, the hourly limit, a reason that does not fit) and its refusals land on the form
(``core.forms.service_errors``).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import CONTENT_REASONS, PERSON_REASONS, TEXT_MAX_LENGTH, Reason


def _choices(reasons) -> list[tuple[str, str]]:
    return [(reason.value, reason.label) for reason in reasons]


class ReportForm(forms.Form):
    """Reporting content: a reason from the list, a text (required for "Other")."""

    reasons: tuple[Reason, ...] = CONTENT_REASONS

    reason = forms.ChoiceField(
        label=_("Why do you report it?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a reason."),
            "invalid_choice": _("Choose a reason from the list."),
        },
    )
    text = forms.CharField(
        label=_("Details"),
        help_text=_("Required when you choose “Other”. The author never sees who reported."),
        required=False,
        strip=True,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = _choices(self.reasons)

    def clean(self):
        data = super().clean()
        if data.get("reason") == Reason.OTHER and not data.get("text"):
            self.add_error("text", _("Tell the moderators what is wrong."))
        return data


class PersonReportForm(ReportForm):
    """Reporting a person: impersonation (whose name?) or behaviour."""

    reasons = PERSON_REASONS

    impersonated_name = forms.CharField(
        label=_("Name of the person impersonated"),
        help_text=_("Required for an impersonation: whose identity is used?"),
        required=False,
        strip=True,
        max_length=150,
    )

    field_order = ["reason", "impersonated_name", "text"]

    def clean(self):
        data = super().clean()
        if data.get("reason") == Reason.IMPERSONATION and not data.get("impersonated_name"):
            self.add_error("impersonated_name", _("Give the name of the person impersonated."))
        return data


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the moderators reconsider?"),
        help_text=_("You can appeal once. Another moderator will read your appeal."),
        strip=True,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Explain why you contest this decision.")},
    )
