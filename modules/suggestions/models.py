"""Residents' suggestions to their town hall (SUG-1, SUG-2).

A resident proposes a :class:`Suggestion` in one of the commune's :class:`Category`
(staff keep the list). Staff accept it (published to every validated resident) or refuse
it with an optional reason sent to its author. Residents vote for or against a published
suggestion once (:class:`Vote`, changeable until voting closes); a vote's optional comment
is a ``conversations.Comment`` on the suggestion, like every comment of its thread. Staff
follow it up with statuses and public notes (:class:`StatusChange`), and its
:class:`Follower` rows are told.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.files import private_storage

TITLE_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 2000
CATEGORY_MAX_LENGTH = 80


def _photo_path(instance: Suggestion, filename: str) -> str:
    return f"suggestions/photos/{uuid.uuid4().hex}.jpg"


class Category(models.Model):
    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="suggestion_categories",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("name"), max_length=CATEGORY_MAX_LENGTH)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Staff retire a category instead of deleting it: its suggestions keep it.
    active = models.BooleanField(_("offered to residents"), default=True)

    class Meta:
        verbose_name = _("suggestion category")
        verbose_name_plural = _("suggestion categories")
        ordering = ["commune", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="suggestion_category_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Suggestion(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the town hall")
        REFUSED = "refused", pgettext_lazy("suggestion", "Refused")
        PUBLISHED = "published", pgettext_lazy("suggestion", "Published")
        UNDER_STUDY = "under_study", pgettext_lazy("suggestion", "Under study")
        RETAINED = "retained", pgettext_lazy("suggestion", "Retained")
        DONE = "done", pgettext_lazy("suggestion", "Carried out")
        NOT_RETAINED = "not_retained", pgettext_lazy("suggestion", "Not retained")

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("commune"),
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="suggestions", verbose_name=_("category")
    )
    # Accounts are closed, not deleted: the author stays and shows as a former member.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    photo = models.FileField(_("photo"), storage=private_storage, upload_to=_photo_path, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.PROPOSED
    )
    refusal_reason = models.TextField(
        _("reason for refusal"), max_length=NOTE_MAX_LENGTH, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Votes can change until staff close them (or a final status does).
    voting_closed_at = models.DateTimeField(_("voting closed at"), null=True, blank=True)
    # Totals kept with each vote (services.vote), so lists read them without counting.
    votes_for = models.PositiveIntegerField(_("votes for"), default=0)
    votes_against = models.PositiveIntegerField(_("votes against"), default=0)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)  # moderation (CNT-5)
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["commune", "status", "-published_at", "-id"], name="suggestion_list_idx"
            ),
            models.Index(fields=["author", "-created_at"], name="suggestion_author_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    PUBLIC_STATUSES = (
        Status.PUBLISHED,
        Status.UNDER_STUDY,
        Status.RETAINED,
        Status.DONE,
        Status.NOT_RETAINED,
    )
    FINAL_STATUSES = (Status.DONE, Status.NOT_RETAINED)

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def voting_open(self) -> bool:
        return self.is_public and self.voting_closed_at is None


class Vote(models.Model):
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="votes", verbose_name=_("suggestion")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="suggestion_votes",
        verbose_name=_("person"),
    )
    in_favour = models.BooleanField(_("in favour"))
    # The vote's optional comment, a comment of the suggestion's thread.
    comment = models.ForeignKey(
        "conversations.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("comment"),
    )
    created_at = models.DateTimeField(_("voted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("suggestion vote")
        verbose_name_plural = _("suggestion votes")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "user"], name="suggestion_vote_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id} · {self.user_id} ({'+' if self.in_favour else '-'})"


class StatusChange(models.Model):
    """A step of a suggestion's follow-up, with the town hall's public note."""

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="history", verbose_name=_("suggestion")
    )
    status = models.CharField(_("status"), max_length=14, choices=Suggestion.Status.choices)
    note = models.TextField(_("public note"), max_length=NOTE_MAX_LENGTH, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("suggestion status change")
        verbose_name_plural = _("suggestion status changes")
        ordering = ["suggestion", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.suggestion_id} · {self.status}"


class Follower(models.Model):
    """Told of the suggestion's follow-up: its author, who voted, who asked to follow."""

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="followers", verbose_name=_("suggestion")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="followed_suggestions",
        verbose_name=_("person"),
    )

    class Meta:
        verbose_name = _("suggestion follower")
        verbose_name_plural = _("suggestion followers")
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "user"], name="suggestion_follower_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id} · {self.user_id}"
