from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from modules.alerts.models import Alert


class CommunityAlertForm(forms.Form):
    """ALR-1: a member alerts their community (or corrects one of its alerts, ALR-4)."""

    category = forms.ChoiceField(
        label=_("What is it about?"), choices=Alert.Category.choices, initial="security"
    )
    text = forms.CharField(
        label=_("Your alert"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=settings.ALERTS_MAX_LENGTH,
        help_text=_(
            "Say what, where and when. Your neighbours receive it at once, with your real "
            "name; those who have not read it within 4 minutes receive it by SMS. It cannot "
            "be changed or deleted afterwards: send a correction if needed."
        ),
    )
    corrects = forms.IntegerField(widget=forms.HiddenInput, required=False)
