"""Reports of problems in public space (REP-1 … REP-4), routed to technical services.

A validated resident (or an integrator through Open311, ``open311/``) files a
:class:`Report` in one of the commune's :class:`Category`, with up to five
:class:`Photo` and a location (a point, an address, or both). Each category routes to a
:class:`Service` of the commune (roads, lighting…): its members are staff accounts with
the technical role, held as a django-guardian object permission ``handle_service`` on the
service. Staff move a report through its statuses, each step an :class:`Update` with a
public note; the reporter and the :class:`Follower` rows are told. Four weeks after a
report is resolved its reporter is asked whether it really is fixed
(``fixed_asked_at``/``fixed_answer``). Integrators write through an :class:`Integrator`
key, kept as a SHA-256 digest only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from core.files import private_storage

TITLE_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 2000
ADDRESS_MAX_LENGTH = 255
MAX_PHOTOS = 5


def _photo_path(instance: Photo, filename: str) -> str:
    return f"reports/photos/{uuid.uuid4().hex}.jpg"


def _thumbnail_path(instance: Photo, filename: str) -> str:
    return f"reports/thumbnails/{uuid.uuid4().hex}.jpg"


class Service(models.Model):  # type: ignore[django-manager-missing]  # Category is clusterable
    """A technical service of the commune: the staff who handle some categories' reports.

    Its members hold the object permission ``reports.handle_service`` on it
    (django-guardian); ``services.service_members_set`` keeps them to staff with the
    technical role (or the mayor's) in the commune.
    """

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="report_services",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(
        _("shared mailbox"),
        blank=True,
        help_text=_("Optional: an address of the service told of each new report too."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("technical service")
        verbose_name_plural = _("technical services")
        ordering = ["commune", "name"]
        permissions = [("handle_service", _("Handle the reports of this service"))]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="report_service_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(ClusterableModel):
    """A kind of problem residents report; its ``code`` is Open311's ``service_code``."""

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="report_categories",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(
        _("code"),
        max_length=50,
        help_text=_("Its identifier for other software (Open311 service code)."),
    )
    description = models.CharField(
        _("description"),
        max_length=255,
        blank=True,
        help_text=_("Shown to residents when they choose the category."),
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
        verbose_name=_("technical service"),
        help_text=_("Without a service, the town hall handles these reports itself."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Retired rather than deleted: its reports keep it.
    active = models.BooleanField(_("offered to residents"), default=True)

    objects: models.Manager[Category] = models.Manager()

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["commune", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="report_category_unique"),
            models.UniqueConstraint(fields=["commune", "code"], name="report_category_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.code:
            self.code = slugify(self.name)[:50] or "categorie"
        super().save(*args, **kwargs)


class Question(Orderable):
    """An extra question of a category (Open311 service attribute): "Is it dangerous?"."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        TEXT = "text", _("Long text")
        NUMBER = "number", _("Number")
        SINGLE = "singlevaluelist", _("One choice in a list")
        MULTI = "multivaluelist", _("Several choices in a list")

    category = ParentalKey(
        Category, on_delete=models.CASCADE, related_name="questions", verbose_name=_("category")
    )
    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("question"), max_length=200)
    datatype = models.CharField(
        _("answer"), max_length=16, choices=Datatype.choices, default=Datatype.STRING
    )
    required = models.BooleanField(_("required"), default=False)
    choices_text = models.TextField(
        _("choices"), blank=True, help_text=_("For a list: one choice per line.")
    )

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="report_question_code"),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        if not self.code:
            self.code = slugify(self.label)[:50] or "question"
        super().save(*args, **kwargs)

    @property
    def is_list(self) -> bool:
        return self.datatype in (self.Datatype.SINGLE, self.Datatype.MULTI)

    def choices(self) -> list[tuple[str, str]]:
        """``(key, name)`` of a list's choices, in order; keys are slugs of the names."""
        pairs: list[tuple[str, str]] = []
        for line in self.choices_text.splitlines():
            name = line.strip()
            if name:
                pairs.append((slugify(name)[:50] or str(len(pairs) + 1), name))
        return pairs


class Integrator(models.Model):
    """Another program writing reports through Open311 with a key the town hall gave it.

    Only the key's SHA-256 digest is stored; the key is shown once, when it is made.
    """

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="open311_integrators",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("integrator"), max_length=100)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    key_prefix = models.CharField(_("key starts with"), max_length=16, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    per_hour = models.PositiveIntegerField(
        _("reports an hour"),
        default=60,
        help_text=_("The most reports this key may create in an hour."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 integrator")
        verbose_name_plural = _("Open311 integrators")
        ordering = ["commune", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Report(models.Model):
    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("report", "New")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("report", "Acknowledged")
        IN_PROGRESS = "in_progress", pgettext_lazy("report", "In progress")
        RESOLVED = "resolved", pgettext_lazy("report", "Resolved")
        REJECTED = "rejected", pgettext_lazy("report", "Rejected")
        DUPLICATE = "duplicate", pgettext_lazy("report", "Duplicate")

    class Source(models.TextChoices):
        MAP = "map", _("Point on the map")
        ADDRESS = "address", _("Address")
        DEVICE = "device", _("Position of the device")
        PHOTO = "photo", _("Position of the photo")

    OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
    CLOSED_STATUSES = (Status.RESOLVED, Status.REJECTED, Status.DUPLICATE)

    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="problem_reports",
        verbose_name=_("commune"),
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    # Never shown publicly ("un habitant"); staff see who it is. Null for Open311 reports.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem_reports",
        verbose_name=_("reporter"),
    )
    integrator = models.ForeignKey(
        Integrator,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("sent through"),
    )
    # What an integrator passes of its user (Open311 email, first_name…): staff only.
    contact = models.JSONField(_("contact"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    address = models.CharField(_("address"), max_length=ADDRESS_MAX_LENGTH, blank=True)
    location = gis_models.PointField(_("location"), srid=4326, null=True, blank=True)
    location_source = models.CharField(
        _("located by"), max_length=8, choices=Source.choices, blank=True
    )
    # An address whose geocoding failed (provider down): tasks.locate_pending retries.
    locate_pending = models.BooleanField(_("to locate"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    # Kept with each follow (services.follow), so lists read it without counting.
    followers_count = models.PositiveIntegerField(_("followers"), default=0)
    # Open311's token: what a client holds before it knows the request's id.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # "Has it been fixed?" (REP-4): asked four weeks after resolution, once.
    fixed_asked_at = models.DateTimeField(null=True, blank=True)
    fixed_answer = models.CharField(max_length=3, blank=True)  # "", "yes", "no"
    fixed_answered_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)  # moderation

    objects: models.Manager[Report] = models.Manager()

    class Meta:
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["commune", "status", "-created_at"], name="report_list_idx"),
            # The lists' order: the newest page read off the index, not a sort of them all.
            models.Index(fields=["commune", "-created_at", "-id"], name="report_recent_idx"),
            models.Index(fields=["commune", "category", "status"], name="report_category_idx"),
            models.Index(fields=["author", "-created_at"], name="report_author_idx"),
            models.Index(
                fields=["resolved_at"],
                name="report_fixed_due_idx",
                condition=models.Q(status="resolved", fixed_asked_at__isnull=True),
            ),
            models.Index(
                fields=["created_at"],
                name="report_locate_idx",
                condition=models.Q(locate_pending=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def fixed_question_open(self) -> bool:
        """The reporter was asked "has it been fixed?" and has not answered yet."""
        return self.fixed_asked_at is not None and not self.fixed_answer

    def is_reporter(self, user) -> bool:
        return self.author_id is not None and self.author_id == getattr(user, "pk", None)


class Photo(models.Model):
    """A photo of a report: a clean JPEG (no EXIF), served at an unguessable address."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="photos", verbose_name=_("report")
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    image = models.FileField(_("photo"), storage=private_storage, upload_to=_photo_path)
    # What lists and cards show on a phone (a few dozen KB instead of the whole photo).
    thumbnail = models.FileField(
        _("thumbnail"), storage=private_storage, upload_to=_thumbnail_path, blank=True
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["report", "position", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.position}"


class Update(models.Model):
    """A step of a report's life, with its public note (the history residents read)."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status")
        CATEGORY = "category", _("Category")
        MERGED = "merged", _("Merged")
        FIXED = "fixed", _("Confirmed fixed")
        REOPENED = "reopened", _("Reopened")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="updates", verbose_name=_("report")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STATUS)
    status = models.CharField(_("status"), max_length=12, choices=Report.Status.choices)
    previous_status = models.CharField(max_length=12, choices=Report.Status.choices, blank=True)
    note = models.TextField(_("public note"), max_length=NOTE_MAX_LENGTH, blank=True)
    # Who did it (staff see it); residents read ``public_by`` ("Service voirie", "La mairie").
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    public_by = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("report update")
        verbose_name_plural = _("report updates")
        ordering = ["report", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.status}"


class Follower(models.Model):
    """Someone told of a report's updates: its reporter, and whoever said "me too"."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="followers", verbose_name=_("report")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="followed_problem_reports",
        verbose_name=_("person"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report follower")
        verbose_name_plural = _("report followers")
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="report_follower_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.user_id}"
