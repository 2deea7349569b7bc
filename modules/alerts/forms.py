from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from modules.alerts.models import Alert

# An alert cannot be taken back (ALR-4): the site and the API ask for an explicit yes.
CONFIRM_REQUIRED = _(
    "Tick the box to confirm: an alert is sent at once and can be neither changed nor deleted."
)


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
    confirm = forms.BooleanField(
        label=_(
            "I confirm: my neighbours receive this alert at once, and it can be neither "
            "changed nor deleted."
        ),
        error_messages={"required": CONFIRM_REQUIRED},
    )
