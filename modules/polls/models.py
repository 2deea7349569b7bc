"""Polls a town hall puts to its residents (POL-1) and their anonymous ballots (POL-2).

A :class:`Poll` is the town hall's: a question, 2 to 10 :class:`Choice` rows, an opening
and a closing time. Validated residents of the commune vote once each.

Anonymity (``docs/architecture.md``, "Polls"): a vote writes, in one transaction, a
:class:`Participation` (the register: poll and person, no time) and a
:class:`PendingBallot` (the poll and the choice sealed with a key kept outside the
database, no voter, no time). Both have random UUID keys, so no id sequence orders them.
``modules.polls.ballots.tally`` opens pending ballots in batches of at least
``POLL_TALLY_BATCH`` (or all of them at closing), adds them to ``Choice.votes`` and deletes
them: after a tally, nothing in the database links a person to a choice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

QUESTION_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
CHOICE_MAX_LENGTH = 200
MIN_CHOICES = 2
MAX_CHOICES = 10


class Poll(ClusterableModel):
    """Edited in the Wagtail admin with its answers inline (a cluster: ``Choice.poll`` is a
    ``ParentalKey``)."""

    class Results(models.TextChoices):
        LIVE = "live", _("As soon as one has voted")
        AT_CLOSING = "closing", _("Only once the poll is closed")

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="polls",
        verbose_name=_("commune"),
    )
    question = models.CharField(_("question"), max_length=QUESTION_MAX_LENGTH)
    description = models.TextField(_("explanation"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    results = models.CharField(
        _("results shown"), max_length=8, choices=Results.choices, default=Results.LIVE
    )
    # Staff closed it before its closing time (closes_at then holds that moment).
    closed_early_at = models.DateTimeField(_("closed early at"), null=True, blank=True)
    # The validated residents were told it is open (tasks.notify_opened_polls).
    opening_notified_at = models.DateTimeField(_("opening notified at"), null=True, blank=True)
    # Who took part was told the results are out (tasks, after the closing tally).
    results_notified_at = models.DateTimeField(_("results notified at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)  # moderation (CNT-5)
    # Staff accounts are closed, not deleted; SET_NULL keeps the poll if a row goes.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    # Named for django-stubs: a ClusterableModel's implicit manager leaves the commune's
    # reverse relation "polls" unresolved.
    objects: models.Manager[Poll] = models.Manager()

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["-opens_at", "-id"]
        indexes = [
            models.Index(fields=["commune", "-opens_at", "-id"], name="poll_list_idx"),
            models.Index(fields=["closes_at"], name="poll_closes_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="poll_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at


class Choice(models.Model):
    poll = ParentalKey(
        Poll, on_delete=models.CASCADE, related_name="choices", verbose_name=_("poll")
    )
    label = models.CharField(_("answer"), max_length=CHOICE_MAX_LENGTH)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Tallied ballots only: pending ballots are counted by the next tally.
    votes = models.PositiveIntegerField(_("votes counted"), default=0)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["poll", "position", "id"]

    def __str__(self) -> str:
        return self.label


class Participation(models.Model):
    """The register: this person has voted in this poll. No time, no choice, and a random
    key: its rows say who took part, never when nor what they chose.

    ``counted`` is False on the row a vote writes and True once a tally has rewritten it
    (``ballots.tally``: each tally rewrites only the rows still False, under new keys, in a
    random order, in its own transaction; the closing tally rewrites the whole register).
    It says only that the row's ballot is not counted yet, which the pending ballots
    already say (their number, and until the tally the vote's transaction id, ``xmin``,
    shared by the row and its ballot); never which ballot nor which choice.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="participations", verbose_name=_("poll")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="poll_participations",
        verbose_name=_("person"),
    )
    counted = models.BooleanField(_("rewritten by a tally"), default=False)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="poll_participation_unique"),
        ]
        indexes = [
            # What a tally rewrites: its cost follows the batch, not the participation.
            models.Index(
                fields=["poll"], condition=Q(counted=False), name="poll_participation_uncounted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id} · {self.user_id}"


class PendingBallot(models.Model):
    """A ballot not counted yet: the poll and the sealed choice (``ballots.seal``), a
    random key, no voter, no time. Deleted by the tally that counts it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="+")
    sealed = models.BinaryField(_("sealed ballot"))

    class Meta:
        verbose_name = _("pending ballot")
        verbose_name_plural = _("pending ballots")

    def __str__(self) -> str:
        return f"{self.poll_id} · {self.pk}"
