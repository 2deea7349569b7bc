from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.models import BODY_MAX_LENGTH
from core.types import StrOrPromise


def _word_body(
    field: forms.Field, label: StrOrPromise, empty: StrOrPromise, help_text: StrOrPromise
):
    field.label = label
    field.error_messages["required"] = empty
    field.help_text = help_text


class CommentForm(forms.Form):
    """A comment or a reply (``parent``); staff who publish may sign as the town hall.

    The one form for every commented content: the gazette and groups subclass it with
    their own wording (``body_label``, ``body_required``, ``body_help``).
    """

    body_label: StrOrPromise = _("Your comment")
    body_required: StrOrPromise = _("Write your comment.")
    body_help: StrOrPromise = _("Seen by the residents of the commune registered on the site.")

    body = forms.CharField(max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    as_town_hall = forms.BooleanField(required=False, label=_("Answer as the town hall"))

    def __init__(self, *args, can_sign: bool = False, town_hall: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        _word_body(self.fields["body"], self.body_label, self.body_required, self.body_help)
        if can_sign:
            self.fields["as_town_hall"].help_text = _(
                "Signed “%(town_hall)s” with your role, never your e-mail address."
            ) % {"town_hall": town_hall}
        else:
            del self.fields["as_town_hall"]


class CommentEditForm(forms.Form):
    """The author changes their text (subclassed like :class:`CommentForm`)."""

    body_label: StrOrPromise = _("Your comment")
    body_required: StrOrPromise = _("Write your comment.")
    body_help: StrOrPromise = _("Your comment will be marked as edited.")

    body = forms.CharField(max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _word_body(self.fields["body"], self.body_label, self.body_required, self.body_help)
