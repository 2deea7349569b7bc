"""Private messages (CNT-3) and the town hall's shared inbox (TWN-3).

A :class:`Thread` is between people (``commune`` empty: members of a community and of
its twinned communities, or a partner town hall's staff member and a référent,
``referents_commune``) or between one resident and a town hall (``commune`` set: the
town-hall side is one :class:`Participant` row without a user, the commune's shared
inbox, read by any staff member allowed to answer). :class:`Participant` carries each
side's read state and a copy of the thread's ``last_message_at`` so an inbox page is
one index range scan. Nobody edits or deletes a :class:`Message`; moderation hides it
(``hidden_at``). :class:`Block`: a person receives nothing more from another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BODY_MAX_LENGTH = 5000
SUBJECT_MAX_LENGTH = 120


class Thread(models.Model):
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH, blank=True)
    # Set for a thread with a town hall; empty between people.
    commune = models.ForeignKey(
        "communes.Commune",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="message_threads",
        verbose_name=_("town hall of"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    # Set for a thread a partner town hall's staff member (police, mayor: holders of
    # ``contact_referents``) opened with a référent of one of its communities (COM-2): a
    # thread between people (``commune`` stays empty), its author being ``created_by``,
    # shown with their name and ``staff_label`` ("Police – Saint-Malo").
    referents_commune = models.ForeignKey(
        "communes.Commune",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("référents of"),
    )
    staff_label = models.CharField(_("staff member's role"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(
                fields=["commune", "-last_message_at", "-id"], name="msg_thread_commune_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"

    @property
    def is_town_hall(self) -> bool:
        return self.commune_id is not None


class Participant(models.Model):
    thread = models.ForeignKey(
        Thread,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("conversation"),
    )
    # Empty: the town hall's side of a thread with a town hall (its shared inbox).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="message_participations",
        verbose_name=_("person"),
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    # A copy of the thread's, except for messages of people this participant blocked.
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    # Set when the account closed: the person no longer receives the thread.
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [
            models.Index(fields=["user", "-last_message_at", "-id"], name="msg_inbox_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "user"],
                condition=models.Q(user__isnull=False),
                name="msg_participant_unique",
            ),
            models.UniqueConstraint(
                fields=["thread"],
                condition=models.Q(user__isnull=True),
                name="msg_town_hall_side_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thread_id} · {self.user_id or 'mairie'}"

    @property
    def is_unread(self) -> bool:
        return self.last_read_at is None or self.last_message_at > self.last_read_at


class Message(models.Model):
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    # Accounts are closed, not deleted (ACC-12): the author then shows as a former member.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="messages_written",
        verbose_name=_("author"),
    )
    as_town_hall = models.BooleanField(_("as the town hall"), default=False)
    signed_role = models.CharField(_("role shown"), max_length=80, blank=True)
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["thread", "-created_at", "-id"], name="msg_thread_messages_idx"),
            models.Index(fields=["author", "created_at"], name="msg_author_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(as_town_hall=False) | ~models.Q(signed_role=""),
                name="msg_town_hall_signed",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class Block(models.Model):
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="message_blocks",
        verbose_name=_("who blocks"),
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("who is blocked"),
    )
    created_at = models.DateTimeField(_("blocked at"), default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="msg_block_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} ⊘ {self.blocked_id}"
