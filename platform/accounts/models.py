from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from typing import Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.gis.db import models as gis_models
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.crypto import EncryptedCharField, EncryptedDateField, EncryptedTextField, blind_index
from core.access import open_account_q

PRESENTATION_MAX_LENGTH = 1000


def photo_upload_to(instance, filename: str) -> str:
    # A random name: the file name never carries the person's name or the original one.
    return f"accounts/photos/{uuid.uuid4().hex}.jpg"


def birthday_index(birth_date) -> str:
    """Blind index of a birth date's month and day (CNT-6)."""
    if not birth_date:
        return ""
    if isinstance(birth_date, str):
        birth_date = datetime.date.fromisoformat(birth_date)
    return blind_index(f"{birth_date.month:02d}-{birth_date.day:02d}")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        # Accounts made by staff or commands are verified; self-registration
        # (accounts.services.account_register) passes email_verified_at=None.
        extra_fields.setdefault("email_verified_at", timezone.now())
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("email_verified_at", timezone.now())
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person: logs in with their email address; real first and last name.

    Phones, postal address and birth date are encrypted at rest (ACC-13); the
    mobile number also has a keyed HMAC (``mobile_index``) so that an inbound SMS
    finds its sender without decrypting anything. Who may see which field is
    decided by ``privacy``, never here.
    """

    username = None  # type: ignore[assignment]  # the e-mail address is the login: AbstractUser's field is removed
    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    pseudonym = models.CharField(
        _("pseudonym"),
        max_length=50,
        blank=True,
        help_text=_("Shown instead of your name where the privacy rules allow it."),
    )
    presentation = models.TextField(
        _("presentation"),
        blank=True,
        validators=[MaxLengthValidator(PRESENTATION_MAX_LENGTH)],
        help_text=_("A few words about you, for your neighbours and the town hall."),
    )
    photo = models.ImageField(_("photo"), upload_to=photo_upload_to, blank=True)
    # The encrypted fields' package is untyped: the annotations give what an instance holds.
    mobile: str | None = EncryptedCharField(_("mobile phone"), max_length=32, null=True, blank=True)
    mobile_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    landline: str | None = EncryptedCharField(_("landline"), max_length=32, null=True, blank=True)
    hide_mobile = models.BooleanField(_("hide my mobile phone"), default=False)
    hide_landline = models.BooleanField(_("hide my landline"), default=False)
    accepts_sms = models.BooleanField(
        _("I accept alerts by SMS"),
        default=False,
        help_text=_("SMS are only ever used for alerts."),
    )
    birth_date: datetime.date | None = EncryptedDateField(_("birth date"), null=True, blank=True)
    # CNT-6: a keyed hash of "MM-DD" finds today's birthdays without decrypting anyone.
    birthday_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address: str | None = EncryptedTextField(_("postal address"), null=True, blank=True)
    location = gis_models.PointField(
        _("home location"), srid=4326, null=True, blank=True, spatial_index=True
    )
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    registered_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_neighbours",
        verbose_name=_("registered by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set and cleared by moderation (CNT-5, moderation.Suspension holds the record):
    # login refused, sessions and API tokens stop working, content hidden.
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()  # type: ignore[misc,assignment]  # accounts' own manager (e-mail logins), not AbstractUser's

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        self.mobile = str(self.mobile) if self.mobile else None
        self.landline = str(self.landline) if self.landline else None
        self.mobile_index = blind_index(self.mobile)
        self.birthday_index = birthday_index(self.birth_date)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "mobile" in update_fields:
            kwargs["update_fields"] = {*update_fields, "mobile_index"}
        if update_fields is not None and "birth_date" in update_fields:
            kwargs["update_fields"] = {*kwargs["update_fields"], "birthday_index"}
        super().save(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DeviceTokenQuerySet(models.QuerySet["DeviceToken"]):
    def active(self) -> Self:
        return self.filter(revoked_at__isnull=True)


class DeviceToken(models.Model):
    """A revocable API token for one device (a phone app, an integration).

    Only a SHA-256 digest of the key is stored: the key is shown once, at
    creation, and a database dump does not let anyone act as the user.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="device_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("device name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = DeviceTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("device token")
        verbose_name_plural = _("device tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple[DeviceToken, str]:
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=_hash_token(key), prefix=key[:8])
        return token, key

    @classmethod
    def find_active(cls, key: str) -> DeviceToken | None:
        return (
            cls.objects.active()
            .select_related("user")
            .filter(open_account_q("user__"), digest=_hash_token(key))
            .first()
        )

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class PendingLocation(models.Model):
    """An address kept without its point because the geocoder was unavailable.

    ``accounts.tasks.locate_home`` tries again after ``GEOCODER_RETRY_DELAYS``; the row
    goes once the point is found, or when the attempts run out (the person is told
    to place the point on the map). ``commune`` is the one the address belongs to: its
    country picks the geocoder and its territory bounds the point.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pending_location",
        verbose_name=_("user"),
    )
    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune"),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("address to locate")
        verbose_name_plural = _("addresses to locate")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.attempts})"
