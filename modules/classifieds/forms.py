from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from modules.classifieds.models import Classified


class ClassifiedForm(forms.ModelForm):
    """The resident's publishing form; the service does the writing."""

    days = forms.IntegerField(
        label=_("Visible for (days)"),
        min_value=1,
        help_text=_("Your classified closes on its own after this many days."),
    )

    class Meta:
        model = Classified
        fields = ["kind", "title", "description", "contact"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        maximum = settings.CLASSIFIEDS_MAX_DAYS
        days = self.fields["days"]
        days.max_value = maximum
        days.validators.append(MaxValueValidator(maximum))
        days.widget.attrs["max"] = maximum
        days.initial = settings.CLASSIFIEDS_DEFAULT_DAYS
        self.fields["kind"].choices = Classified.Kind.choices
