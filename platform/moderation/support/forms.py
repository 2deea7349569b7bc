"""Forms of the support desk: the contact form, the person's reply, the team's answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import SupportRequest
from moderation.support.services import BODY_MAX_LENGTH, NAME_MAX_LENGTH, SUBJECT_MAX_LENGTH

#: The topics as a person reads them on the form (plain French, first person).
TOPIC_HELP = {
    SupportRequest.Topic.MEMBERSHIP_UNANSWERED: _(
        "Nobody answered after 15 days: we contact the référent."
    ),
    SupportRequest.Topic.APPEAL_REFUSAL: _(
        "Your home is in the community but the référent refused you."
    ),
    SupportRequest.Topic.OVERLAP: _(
        "The area you want to draw overlaps a community that already exists."
    ),
    SupportRequest.Topic.AREA_CAP: _("A community covers at most 1 km², except in the country."),
    SupportRequest.Topic.MISSING_COMMUNE: _(
        "Tell us the name of your commune and its postal code."
    ),
    SupportRequest.Topic.IMPERSONATION: _("Give the first and last name of the person concerned."),
}


class ContactForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("What is your request about?"),
        choices=SupportRequest.Topic.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what your request is about."),
            "invalid_choice": _("Choose what your request is about."),
        },
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX_LENGTH,
        error_messages={"required": _("Enter your name.")},
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We answer you at this address."),
        error_messages={
            "required": _("Enter the e-mail address we answer at."),
            "invalid": _("Enter a valid e-mail address."),
        },
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX_LENGTH,
        error_messages={"required": _("Give your request a subject.")},
    )
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write your message.")},
    )
    # A field people never see (in a hidden block): robots fill it, and are ignored.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            del self.fields["name"]
            del self.fields["email"]
        self.fields["website"].widget.attrs.update(tabindex="-1", autocomplete="off")
        self.fields["subject"].widget.attrs.update(autocomplete="off")
        if not signed_in:
            self.fields["name"].widget.attrs.update(autocomplete="name")
            self.fields["email"].widget.attrs.update(autocomplete="email")

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))

    def visible(self):
        return [field for field in self if field.name != "website"]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your message.")},
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your message.")},
        help_text=_("The person reads it on the site and by e-mail, signed by the team."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=SupportRequest.Status.choices,
        error_messages={
            "required": _("Choose a status from the list."),
            "invalid_choice": _("Choose a status from the list."),
        },
    )
