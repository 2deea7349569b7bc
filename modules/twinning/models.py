"""Twinning of two neighbourhood communities (TWN-1, TWN-2).

A pair is stored once, the community with the smaller id as ``community_a``
(a database constraint), so "A twinned with B" and "B twinned with A" are the
same row. At most one proposed or active twinning exists per pair (a partial
unique constraint); refused and ended ones stay as the pair's past.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TwinningQuerySet(models.QuerySet["Twinning"]):
    def active(self) -> Self:
        return self.filter(status=Twinning.Status.ACTIVE)

    def proposed(self) -> Self:
        return self.filter(status=Twinning.Status.PROPOSED)

    def open(self) -> Self:
        """Proposed or active: the pair cannot be proposed again."""
        return self.filter(status__in=Twinning.OPEN)

    def of(self, community) -> Self:
        return self.filter(Q(community_a=community) | Q(community_b=community))

    def pair(self, one, other) -> Self:
        a, b = sorted([_pk(one), _pk(other)])
        return self.filter(community_a_id=a, community_b_id=b)


def _pk(community) -> int:
    return community if isinstance(community, int) else community.pk


class Twinning(models.Model):
    class Status(models.TextChoices):
        # Contexts of their own: "Proposed" elsewhere is a date column ("Proposée le"),
        # and in French a twinning ("jumelage") is masculine.
        PROPOSED = "proposed", pgettext_lazy("twinning status", "Proposed")
        ACTIVE = "active", pgettext_lazy("twinning status", "Active")
        REFUSED = "refused", pgettext_lazy("twinning status", "Refused")
        ENDED = "ended", pgettext_lazy("twinning status", "Ended")

    OPEN = (Status.PROPOSED, Status.ACTIVE)

    community_a = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="twinnings_as_a",
        verbose_name=_("community"),
    )
    community_b = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="twinnings_as_b",
        verbose_name=_("twinned community"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    # The side that proposed (None when the town hall twinned the pair, TWN-2).
    proposing_community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by the community"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ended by"),
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    via_town_hall = models.BooleanField(
        _("twinned by the town hall"),
        default=False,
        help_text=_("The partner town hall twinned all the communities of the commune."),
    )

    objects = TwinningQuerySet.as_manager()

    class Meta:
        verbose_name = _("twinning")
        verbose_name_plural = _("twinnings")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(community_a__lt=F("community_b")),
                name="twinning_pair_ordered",
            ),
            models.UniqueConstraint(
                fields=["community_a", "community_b"],
                condition=Q(status__in=["proposed", "active"]),
                name="twinning_one_open_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["community_b", "status"], name="twinning_b_status"),
        ]

    def __str__(self) -> str:
        return f"{self.community_a} ↔ {self.community_b} ({self.get_status_display()})"

    def other_side(self, community):
        """The community of the pair that is not ``community``."""
        return self.community_b if _pk(community) == self.community_a_id else self.community_a

    def other_side_id(self, community) -> int:
        return self.community_b_id if _pk(community) == self.community_a_id else self.community_a_id

    def answering_community_id(self) -> int | None:
        """The side that accepts or refuses a proposal (not the one that proposed)."""
        if self.proposing_community_id is None:
            return None
        return self.other_side_id(self.proposing_community_id)
