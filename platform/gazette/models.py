"""The community gazette (CNT-2): members' posts with photos and files.

A :class:`Post` belongs to one community and is read by its members only. Its author
edits it and never deletes it (seed 003: "il n'est pas possible de supprimer une
information"): each edit keeps the previous version in :class:`PostRevision`.
Photos and files live in a private storage (``PRIVATE_MEDIA_ROOT``), never under the
public ``MEDIA_URL``: views that check membership serve them. Comments are
``conversations.Comment`` rows whose target is the post.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The gazette's photos and files (its migrations name them here).
from core.files import PrivateFileStorage, private_storage  # noqa: F401

TITLE_MAX_LENGTH = 120
BODY_MAX_LENGTH = 5000
MAX_PHOTOS = 6
MAX_FILES = 3


def _photo_path(instance: PostPhoto, filename: str) -> str:
    return f"gazette/photos/{uuid.uuid4().hex}.jpg"


def _file_path(instance: PostFile, filename: str) -> str:
    return f"gazette/files/{uuid.uuid4().hex}.{instance.extension or 'bin'}"


class Category(models.TextChoices):
    INFORMATION = "information", _("Information")
    HELP = "help", pgettext_lazy("gazette category", "Mutual help")
    CLASSIFIED = "classified", _("Small ad")
    CARPOOL = "carpool", _("Carpooling")
    NEIGHBOURS_DAY = "neighbours_day", _("Neighbours' day")
    LOST_FOUND = "lost_found", _("Lost and found")
    REFERENT_WANTED = "referent_wanted", _("Looking for a référent")
    OTHER = "other", pgettext_lazy("gazette category", "Other")


class Post(models.Model):
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="gazette_posts",
        verbose_name=_("community"),
    )
    # Accounts are closed, not deleted (ACC-12): the author then shows as a former member.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="gazette_posts",
        verbose_name=_("author"),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.INFORMATION
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("text"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("published at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # Latest activity (the post, an edit or a comment): "new since your last visit".
    activity_at = models.DateTimeField(_("latest activity"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)  # moderation

    class Meta:
        verbose_name = _("gazette post")
        verbose_name_plural = _("gazette posts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-created_at", "-id"], name="gazette_post_list_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class PostRevision(models.Model):
    """A post before one of its author's edits (kept for moderation and the export)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("post")
    )
    category = models.CharField(_("category"), max_length=20)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("previous text"))
    written_at = models.DateTimeField(_("written at"))
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now)

    class Meta:
        verbose_name = _("gazette post revision")
        verbose_name_plural = _("gazette post revisions")
        ordering = ["post", "replaced_at", "pk"]

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.replaced_at:%Y-%m-%d %H:%M}"


class PostPhoto(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="photos", verbose_name=_("post")
    )
    image = models.FileField(_("photo"), storage=private_storage, upload_to=_photo_path)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("gazette photo")
        verbose_name_plural = _("gazette photos")
        ordering = ["post", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.post_id} #{self.position}"


class PostFile(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="files", verbose_name=_("post")
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to=_file_path)
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=120)
    extension = models.CharField(_("extension"), max_length=8)
    size = models.PositiveIntegerField(_("size"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("gazette file")
        verbose_name_plural = _("gazette files")
        ordering = ["post", "position", "pk"]

    def __str__(self) -> str:
        return self.name
