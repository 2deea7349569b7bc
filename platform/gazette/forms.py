from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.forms import CommentForm as BaseCommentForm
from gazette.models import BODY_MAX_LENGTH, MAX_FILES, MAX_PHOTOS, TITLE_MAX_LENGTH, Category


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (type sniffed)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        if not isinstance(data, list | tuple):
            data = [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in data]


class PostForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Seen by the members of your community only. A post cannot be deleted."),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("Up to %(max)s photos (JPEG, PNG or WebP).") % {"max": MAX_PHOTOS},
    )
    documents = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("Up to %(max)s files: PDF, image or office document.") % {"max": MAX_FILES},
    )


class CommentForm(BaseCommentForm):
    """A comment or a reply (``parent``); nobody signs as the town hall in a gazette."""

    body_help = _("Seen by the members of your community only.")
