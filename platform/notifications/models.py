"""The notification engine's tables.

* :class:`Event`: one activity (an alert, a news item, a request to join…), written once.
* :class:`Notification`: the in-app row of one recipient for one event. It is written
  for a whole audience by one ``INSERT … SELECT`` (``notifications.fanout``), so it is
  kept narrow, with one index: the composite primary key (recipient, event), which
  serves the centre, the unread count and "has this person read this event" alike.
* :class:`Delivery`: one send on one channel (e-mail, SMS, push) to one recipient for one
  event, unique on (event, recipient, channel): the record that makes a re-run, or a
  worker killed mid-batch, send nothing twice and skip nobody.
* :class:`Digest`: one digest e-mail, unique on (user, frequency, period end).
* :class:`Preference`: a person's choice for a rubric (no row: the rubric's defaults).
* :class:`PushDevice`: the device registry (web push subscriptions and app tokens).
* :class:`UndeliverableAddress`: an e-mail address or mobile number a provider reported
  as undeliverable; the person is told on the site until they change it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.kinds import Frequency


class Event(models.Model):
    kind = models.CharField(_("kind"), max_length=60)
    commune = models.ForeignKey(
        "communes.Commune",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("commune"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)  # a path on the commune's host
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    # Makes publishing idempotent: the same key never makes a second event
    # (one birthday per person per year, one notice per decision…).
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    audience_size = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["commune", "kind"], name="notif_event_commune_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class Notification(models.Model):
    # No database foreign-key constraints: checking two of them per row doubled the
    # cost of a 100,000-row fan-out (deferred triggers at commit). Both ends are
    # guaranteed by construction (the event is created in the same transaction, the
    # recipients are read from the user table), and Django's collector still
    # cascades deletions of users and events (docs/architecture.md).
    pk = models.CompositePrimaryKey("recipient_id", "event_id")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.event_id} → {self.recipient_id}"


class Preference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    rubric = models.CharField(_("rubric"), max_length=30)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.INSTANT
    )
    email = models.BooleanField(_("by e-mail too"), default=True)
    push = models.BooleanField(_("push notifications on the app"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "rubric"], name="notif_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.rubric} {self.frequency}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Push")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not needed")


class Delivery(models.Model):
    # Written in bulk like notifications, so likewise without database foreign-key
    # constraints; the unique (event, recipient, channel) index also serves lookups
    # by event.
    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)  # retry back-off
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=120, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"], name="notif_delivery_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event_id} → {self.recipient_id}: {self.status}"


class Digest(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    item_count = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period_end"], name="notif_digest_unique"
            )
        ]
        indexes = [models.Index(fields=["user", "frequency", "-period_end"], name="notif_digest")]

    def __str__(self) -> str:
        return f"{self.frequency} digest of {self.user_id} until {self.period_end:%Y-%m-%d %H:%M}"


class PushDevice(models.Model):
    class Platform(models.TextChoices):
        WEB = "web", _("Web browser")
        ANDROID = "android", _("Android app")
        IOS = "ios", _("iPhone app")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices"
    )
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    token = models.CharField(
        _("token"),
        max_length=1000,
        help_text=_("FCM registration token, or the web push subscription's endpoint."),
    )
    p256dh = models.CharField(max_length=200, blank=True)
    auth = models.CharField(max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("push device")
        verbose_name_plural = _("push devices")
        constraints = [models.UniqueConstraint(fields=["token"], name="notif_device_token")]
        indexes = [models.Index(fields=["user", "active"], name="notif_device_user")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} – {self.name or self.pk}"


class UndeliverableAddress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="undeliverable"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Keyed hash of the address that failed: once the person changes it, the
    # warning no longer applies (and sending resumes) without any signal.
    address_digest = models.CharField(max_length=64)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="notif_undeliverable")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.channel}"
