from django.utils.translation import gettext_lazy as _

from conversations.forms import CommentEditForm, CommentForm


class PostForm(CommentForm):
    """A post or a reply (``parent``); the town hall's staff may sign as the town hall."""

    body_label = _("Your message")
    body_required = _("Write your message.")
    body_help = _("Seen by the members of the group.")


class PostEditForm(CommentEditForm):
    body_label = _("Your message")
    body_required = _("Write your message.")
    body_help = _("Your message will be marked as edited.")
