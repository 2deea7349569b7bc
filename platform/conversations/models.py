"""Conversations (CNT): comments on news now, the gazette, messages and groups later.

A :class:`Comment` is attached to a *target* through Django's content types (a news
page today, a gazette post later), with one level of replies. Nothing is ever deleted
by its author: edits keep the previous text in :class:`CommentRevision` (for
moderation only) and moderation hides (``hidden_at``, issue 17). A
:class:`ReadMarker` remembers when a person last viewed a thread, for the "new since
your last visit" highlight.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BODY_MAX_LENGTH = 2000


class CommentQuerySet(models.QuerySet["Comment"]):
    def visible(self) -> Self:
        """What is listed: comments moderation did not hide."""
        return self.filter(hidden_at__isnull=True)

    def on(self, target: models.Model) -> Self:
        return self.filter(
            target_type=ContentType.objects.get_for_model(target),
            target_id=target.pk,
        )


class Comment(models.Model):
    """A person's comment on a target (CNT-1), or a reply to a top comment."""

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("commune"),
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("target type")
    )
    target_id = models.PositiveBigIntegerField(_("target id"))
    target = GenericForeignKey("target_type", "target_id")
    # One level of replies: a reply to a reply attaches to the top comment (services).
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    # Accounts are closed, not deleted (ACC-12): the author then shows as a former member.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        verbose_name=_("author"),
    )
    # Staff answering as the town hall: signed "Mairie de <commune>" and the role they
    # held when they wrote (never their e-mail address).
    as_town_hall = models.BooleanField(_("as the town hall"), default=False)
    signed_role = models.CharField(_("role shown"), max_length=80, blank=True)
    body = models.TextField(_("comment"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "created_at", "id"],
                name="comment_target_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(as_town_hall=False) | ~models.Q(signed_role=""),
                name="comment_town_hall_signed",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None


class CommentRevision(models.Model):
    """The text of a comment before one of its author's edits (kept for moderation)."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("comment")
    )
    body = models.TextField(_("previous text"))
    written_at = models.DateTimeField(_("written at"))
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment revision")
        verbose_name_plural = _("comment revisions")
        ordering = ["comment", "replaced_at", "pk"]

    def __str__(self) -> str:
        return f"{self.comment_id} @ {self.replaced_at:%Y-%m-%d %H:%M}"


class ReadMarker(models.Model):
    """When a person last viewed a thread (any target): "new since your last visit"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="read_markers",
        verbose_name=_("person"),
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("target type")
    )
    target_id = models.PositiveBigIntegerField(_("target id"))
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("read marker")
        verbose_name_plural = _("read markers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target_type", "target_id"], name="read_marker_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.target_type_id}:{self.target_id}"
