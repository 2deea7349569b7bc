from django import forms
from django.utils.translation import gettext_lazy as _


class ProposeForm(forms.Form):
    """TWN-1: a référent chooses a nearby community to twin with."""

    other = forms.TypedChoiceField(label=_("Nearby community"), coerce=int, choices=())

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = [("", "—"), *((c.pk, c.name) for c in candidates)]
