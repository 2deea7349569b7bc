"""Discussion groups a town hall opens to its residents (CNT-4).

A :class:`Group` is the town hall's: open to every validated resident of the commune, or
to the residents who asked to join and were accepted by staff (``on_request``). Staff pin,
close (read-only) and archive (out of the list, still readable by its members) a group.

Posts and replies are ``conversations.Comment`` rows whose target is the group (one
thread engine for the platform: edit history, moderation's ``hidden_at``, read markers,
cursor pagination on the comment index); this module holds the access rules.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 2000


class GroupQuerySet(models.QuerySet["Group"]):
    def listed(self) -> Self:
        """What the list shows: groups that are not archived."""
        return self.filter(archived_at__isnull=True)


class Group(models.Model):
    class Access(models.TextChoices):
        OPEN = "open", _("Open to every validated resident")
        ON_REQUEST = "on_request", _("On request, accepted by the town hall")

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="discussion_groups",
        verbose_name=_("commune"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    access = models.CharField(
        _("access"), max_length=12, choices=Access.choices, default=Access.OPEN
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)  # moderation (CNT-5)
    # Staff accounts are closed, not deleted; SET_NULL keeps the group if a row goes.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_post_at = models.DateTimeField(_("last post at"), null=True, blank=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("discussion group")
        verbose_name_plural = _("discussion groups")
        ordering = ["-pinned", "-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["commune", "-pinned", "-created_at", "-id"], name="group_list_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.access == self.Access.OPEN

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class GroupMember(models.Model):
    """A person in a group: joined (open group) or asked to join (on request)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the town hall")
        ACCEPTED = "accepted", _("Member")
        REFUSED = "refused", _("Refused")

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="members", verbose_name=_("group")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="group_memberships",
        verbose_name=_("person"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    subscribed = models.BooleanField(_("notified of new posts"), default=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="group_member_unique"),
        ]
        indexes = [models.Index(fields=["group", "status"], name="group_member_status_idx")]

    def __str__(self) -> str:
        return f"{self.group_id} · {self.user_id} ({self.status})"
