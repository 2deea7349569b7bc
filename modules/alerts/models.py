"""Alerts: a community's (ALR-1…ALR-4) and the town hall's (ALR-5).

An alert is never edited nor deleted once sent (ALR-4): people were notified of
its text, by SMS perhaps, and a changed or vanished alert would confuse them. A
correction is a new alert whose ``corrects`` names the one it corrects; pages and
the API show corrections with the original. ``save()`` refuses to change a stored
alert and ``delete()`` refuses to delete one: only the deletion of a whole commune
(a queryset cascade) removes alerts.

An alert with a ``community`` is a community alert, one without is the town
hall's. ``event`` is the notification engine's event for the alert's own
audience (members, or the commune's residents); reading the alert anywhere marks
that event read, which is what the 4-minute SMS rule looks at (ALR-3).
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertQuerySet(models.QuerySet["Alert"]):
    def of_community(self, community) -> Self:
        return self.filter(community=community)

    def of_town_hall(self, commune) -> Self:
        return self.filter(commune=commune, community__isnull=True)


class Alert(models.Model):
    class Category(models.TextChoices):
        SECURITY = "security", _("Security")
        ROADS = "roads", _("Roads")
        WEATHER = "weather", _("Weather")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        SITE = "site", _("Website")
        API = "api", _("Application")
        SMS = "sms", _("SMS")
        ADMIN = "admin", _("Town-hall administration")

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("commune"),
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("community"),
        help_text=_("Empty for an alert of the town hall."),
    )
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.SECURITY
    )
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("sent by"),
    )
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    source = models.CharField(
        _("sent from"), max_length=10, choices=Source.choices, default=Source.SITE
    )
    event = models.ForeignKey(
        "notifications.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    recipients = models.PositiveIntegerField(_("recipients"), default=0, editable=False)
    # Set once e-mails, pushes and SMS are written (services.dispatch): the in-app rows
    # commit first; a sweeper finishes an alert whose process stopped in between.
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)  # moderation (CNT-5)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["commune", "-created_at"], name="alert_commune_created"),
            models.Index(fields=["community", "-created_at"], name="alert_community_created"),
            models.Index(fields=["author", "-created_at"], name="alert_author_created"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("An alert cannot be changed: send a correction instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("An alert cannot be deleted: send a correction instead."))

    @property
    def is_town_hall(self) -> bool:
        return self.community_id is None
