from datetime import datetime
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClassifiedQuerySet(models.QuerySet["Classified"]):
    def open(self, now: datetime | None = None) -> Self:
        now = now or timezone.now()
        return self.filter(status=Classified.Status.OPEN, expires_at__gt=now)

    def due_to_expire(self, now: datetime | None = None) -> Self:
        now = now or timezone.now()
        return self.filter(status=Classified.Status.OPEN, expires_at__lte=now)


class Classified(models.Model):
    """A classified ad of a resident: an offer of service or a request (CLS-1)."""

    class Kind(models.TextChoices):
        OFFER = "offer", _("Offer of service")
        REQUEST = "request", _("Request for service")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="classifieds",
        verbose_name=_("commune"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="classifieds",
        verbose_name=_("author"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=3000)
    contact = models.CharField(
        _("other ways to reach you"),
        max_length=200,
        blank=True,
        help_text=_("Optional. For example: when to call, or where to find you."),
    )
    # The author's own choice for this classified (default none): their phone numbers
    # and e-mail address, read from their account when shown (privacy.published).
    show_phone = models.BooleanField(_("show my phone number"), default=False)
    show_email = models.BooleanField(_("show my e-mail address"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("published at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)  # moderation (CNT-5)

    objects = ClassifiedQuerySet.as_manager()

    class Meta:
        verbose_name = _("classified")
        verbose_name_plural = _("classifieds")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["commune", "status", "expires_at"], name="classified_open_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="classified_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.expires_at > timezone.now()
