"""Forms of the communities' Wagtail admin: platform staff and partner town halls.

The forms only collect input. Writes on communities go through
``communities.services``; the partner town hall's settings (COM-2), which are
fields of the commune, go through :func:`communes.services.partner_settings_update`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from communes.models import Commune
from communes.services import PARTNER_SETTINGS_FIELDS
from communities.geo import parse_polygon
from communities.models import REASON_MAX_LENGTH, ValidationMode


def _yes_no(value) -> bool:
    return value in (True, "1", "true", "True", "on")


class MembershipDecisionForm(forms.Form):
    """Accept, or refuse with a reason (CTY-4): the person reads the reason."""

    accept = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("Accept")), ("0", gettext_lazy("Refuse"))],
        coerce=_yes_no,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the refusal (sent to the person)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("accept") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason: the person will read it."))
        return data


class ExclusionDecisionForm(forms.Form):
    """Execute or reject a référent's request of exclusion (CTY-8)."""

    execute = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("Execute")), ("0", gettext_lazy("Reject"))],
        coerce=_yes_no,
    )
    note = forms.CharField(
        label=gettext_lazy("Note (sent to the référent who asked)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AreaCapForm(forms.Form):
    lifted = forms.TypedChoiceField(
        label=gettext_lazy("Area cap"),
        choices=[
            ("0", gettext_lazy("At most 1 km²")),
            ("1", gettext_lazy("Lifted (rural community)")),
        ],
        coerce=_yes_no,
    )


class ValidationModeForm(forms.Form):
    validation_mode = forms.ChoiceField(
        label=gettext_lazy("Validation of membership requests"),
        choices=ValidationMode.choices,
    )


class BoundaryForm(forms.Form):
    """The boundary as GeoJSON (the map writes it) or WKT; parsed like the services do."""

    area = forms.CharField(
        label=gettext_lazy("Boundary (GeoJSON or WKT)"),
        help_text=gettext_lazy(
            "Edit the shape on the map; the field follows. It must still contain every "
            "member's home and overlap no other community."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "data-boundary-input": ""}),
    )

    def clean_area(self):
        try:
            return parse_polygon(self.cleaned_data["area"])
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("area", error.messages)) from None


# --- partner town hall (COM-2) -------------------------------------------------------------


class PartnerSettingsForm(WagtailAdminModelForm):
    class Meta:
        model = Commune
        fields = PARTNER_SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["community_validation_mode"]
        field.choices = [
            ("", _("Each community chooses (by its référents, unless it asks the platform)")),
            *ValidationMode.choices,
        ]
