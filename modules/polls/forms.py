"""The resident's answer to a poll: one of its choices, as radio buttons (POL-1).

The choice travels in the POST body only, never in a URL, and is never logged.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class VoteForm(forms.Form):
    choice = forms.TypedChoiceField(
        label=_("Your answer"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the answers."),
            "invalid_choice": _("This answer is not one of the poll's."),
        },
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(choice.pk, choice.label) for choice in choices]
