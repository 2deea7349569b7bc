from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": _("Write your message.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NewThreadForm(MessageForm):
    subject = forms.CharField(
        label=_("Subject (optional)"), max_length=SUBJECT_MAX_LENGTH, required=False
    )
    field_order = ["subject", "body"]


class RecipientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a person by name or pseudonym"),
        max_length=100,
        required=False,
        help_text=_("Members of your community and of the communities twinned with it."),
    )


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a resident by name"), max_length=100, required=False)
