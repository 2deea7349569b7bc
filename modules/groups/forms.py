from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.models import BODY_MAX_LENGTH


class PostForm(forms.Form):
    """A post or a reply (``parent``); the town hall's staff may sign as the town hall."""

    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": _("Write your message.")},
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Seen by the members of the group."),
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    as_town_hall = forms.BooleanField(required=False, label=_("Answer as the town hall"))

    def __init__(self, *args, can_sign: bool = False, town_hall: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if can_sign:
            self.fields["as_town_hall"].help_text = _(
                "Signed “%(town_hall)s” with your role, never your e-mail address."
            ) % {"town_hall": town_hall}
        else:
            del self.fields["as_town_hall"]


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": _("Write your message.")},
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Your message will be marked as edited."),
    )
