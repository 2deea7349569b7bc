from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from conversations.forms import CommentEditForm, CommentForm
from conversations.models import BODY_MAX_LENGTH
from modules.suggestions.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH


class SuggestionForm(forms.Form):
    """A resident's proposal; the service cleans and checks everything again."""

    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    title = forms.CharField(
        label=_("Title of your suggestion"),
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": _("Give your suggestion a title.")},
    )
    description = forms.CharField(
        label=_("Your suggestion"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What you propose, where, and why it would help the residents."),
        error_messages={"required": _("Describe your suggestion.")},
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_(
            "JPEG, PNG or WebP. Only the town hall sees it until it publishes your suggestion."
        ),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        field.choices = [("", _("Choose a category")), *((c.pk, c.name) for c in categories)]
        field.error_messages["required"] = _("Choose one of the commune's categories.")
        field.error_messages["invalid_choice"] = _("Choose one of the commune's categories.")


VOTE_CHOICES = (
    ("for", pgettext_lazy("suggestion vote", "For")),
    ("against", pgettext_lazy("suggestion vote", "Against")),
)


class VoteForm(forms.Form):
    side = forms.ChoiceField(
        label=_("Your vote"),
        choices=VOTE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose for or against.")},
    )
    comment = forms.CharField(
        label=_("Your comment (optional)"),
        required=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the comments with your vote, seen by the residents of the commune."),
    )

    @property
    def in_favour(self) -> bool:
        return self.cleaned_data["side"] == "for"


class SuggestionCommentForm(CommentForm):
    body_help = _("Seen by the residents of the commune.")


class SuggestionCommentEditForm(CommentEditForm):
    pass
