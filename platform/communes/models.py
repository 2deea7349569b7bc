from __future__ import annotations

from typing import Self

from django.conf import settings as django_settings
from django.contrib.gis.db import models as gis_models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Page
from wagtail.search import index

from communes import cms_api
from core.countries import COUNTRY_CHOICES, validate_commune_identity
from core.modules import module_choices, registry
from core.signals import commune_home_panels, feed_pins
from core.themes import theme_choices


class HostingPartner(models.Model):
    """An organisation that hosts communes: creates them, sets their plan and modules."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    staff = models.ManyToManyField(
        django_settings.AUTH_USER_MODEL,
        blank=True,
        related_name="hosting_partners",
        verbose_name=_("staff"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hosting partner")
        verbose_name_plural = _("hosting partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """A subscription plan of a hosting partner, by population bracket (record only)."""

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        YEARLY = "yearly", _("Yearly")

    hosting_partner = models.ForeignKey(
        HostingPartner,
        on_delete=models.CASCADE,
        related_name="plans",
        verbose_name=_("hosting partner"),
    )
    name = models.CharField(_("name"), max_length=100)
    min_population = models.PositiveIntegerField(_("minimum population"), default=0)
    max_population = models.PositiveIntegerField(
        _("maximum population"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no upper limit."),
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        choices=[("EUR", "EUR"), ("XOF", "XOF")],
    )

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["hosting_partner", "min_population"]
        constraints = [
            models.UniqueConstraint(fields=["hosting_partner", "name"], name="plan_unique_name"),
            models.CheckConstraint(
                condition=models.Q(max_population__isnull=True)
                | models.Q(max_population__gte=models.F("min_population")),
                name="plan_bracket_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.bracket_label})"

    @property
    def bracket_label(self) -> str:
        if self.max_population is None:
            return _("%(min)s inhabitants and more") % {"min": self.min_population}
        return _("%(min)s to %(max)s inhabitants") % {
            "min": self.min_population,
            "max": self.max_population,
        }

    def covers(self, population: int) -> bool:
        return population >= self.min_population and (
            self.max_population is None or population <= self.max_population
        )


postal_codes_validator = RegexValidator(
    r"^[0-9A-Z]+(?:[ ,]+[0-9A-Z]+)*$",
    _("Separate postal codes with commas or spaces."),
)


class Commune(models.Model):  # type: ignore[django-manager-missing]  # a module's ClusterableModel points here
    """A commune: its identity, its web site (a Wagtail Site), plan and modules."""

    hosting_partner = models.ForeignKey(
        HostingPartner,
        on_delete=models.PROTECT,
        related_name="communes",
        verbose_name=_("hosting partner"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        help_text=_("Identifies the commune in addresses of the API."),
    )
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES)
    official_code = models.CharField(_("official code"), max_length=12)
    postal_codes = models.CharField(
        _("postal codes"), max_length=200, blank=True, validators=[postal_codes_validator]
    )
    time_zone = models.CharField(_("time zone"), max_length=40)
    population = models.PositiveIntegerField(_("population"), default=0)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )
    coat_of_arms = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("coat of arms"),
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = PhoneNumberField(_("contact phone"), blank=True)
    contact_address = models.TextField(_("postal address of the town hall"), blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)
    theme = models.CharField(
        _("theme"),
        max_length=40,
        default="default",
        choices=theme_choices,
    )
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="communes",
        verbose_name=_("plan"),
    )
    site = models.OneToOneField(
        "wagtailcore.Site",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commune",
        verbose_name=_("web site"),
    )
    editors_group = models.OneToOneField(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commune",
        verbose_name=_("editors group"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    # COM-2: a partner town hall sees its communities, chooses how their
    # membership requests are validated and may attach a police contact.
    is_partner = models.BooleanField(
        _("partner town hall"),
        default=False,
        help_text=_(
            "A partner town hall sees every neighbourhood community of the commune, "
            "chooses how their membership requests are validated and receives their alerts."
        ),
    )
    community_validation_mode = models.CharField(
        _("validation of membership requests"),
        max_length=20,
        blank=True,
        choices=[
            ("referent", _("By a référent of the community")),
            ("platform_staff", _("By the platform's staff")),
        ],
        help_text=_(
            "Used by every community of the commune when the town hall is a partner; "
            "empty: each community keeps its own mode."
        ),
    )
    police_name = models.CharField(_("police contact"), max_length=200, blank=True)
    police_email = models.EmailField(_("police email"), blank=True)
    police_phone = PhoneNumberField(_("police phone"), blank=True)

    # COM-5: the commune's territory (communes.territory). Residents' homes, community
    # boundaries and reports must lie inside the boundary or, without one, within a
    # radius of the centre.
    boundary = gis_models.MultiPolygonField(
        _("boundary"),
        srid=4326,
        null=True,
        blank=True,
        help_text=_("The commune's territory. Homes and communities must lie inside it."),
    )
    center = gis_models.PointField(
        _("centre"),
        srid=4326,
        null=True,
        blank=True,
        help_text=_("The town centre: maps open there when there is no boundary."),
    )
    radius_km = models.FloatField(
        _("radius (km)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5), MaxValueValidator(200)],
        help_text=_(
            "Without a boundary, homes must lie within this distance of the centre. "
            "Empty: the platform's default."
        ),
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "official_code"], name="commune_unique_official_code"
            ),
        ]
        # Object permissions (django-guardian), granted per commune through
        # staff roles (communes.roles).
        permissions = [
            ("manage_staff", _("Manage the staff of the commune")),
            ("validate_residents", _("Validate residents who follow the commune")),
            ("publish_content", _("Publish news and pages of the commune")),
            ("send_alerts", _("Send town-hall alerts")),
            ("handle_reports", _("Handle reports of problems")),
            ("view_community_alerts", _("Read the alerts of the commune's communities")),
            ("contact_referents", _("See the communities' référents and write to them")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def postal_code_list(self) -> list[str]:
        return [code for code in self.postal_codes.replace(",", " ").split() if code]

    @property
    def hostname(self) -> str:
        return str(self.site.hostname) if self.site_id and self.site is not None else ""

    @cached_property
    def tzinfo(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.time_zone)

    def enabled_modules(self) -> list[str]:
        return sorted(registry.enabled_labels(self))

    def clean(self) -> None:
        errors = validate_commune_identity(
            country=self.country,
            official_code=self.official_code,
            postal_codes=self.postal_code_list,
            time_zone=self.time_zone,
        )
        if self.plan is not None and not errors:
            if self.plan.hosting_partner_id != self.hosting_partner_id:
                errors["plan"] = [_("This plan belongs to another hosting partner.")]
            elif not self.plan.covers(self.population):
                errors["plan"] = [
                    _("The population (%(population)s) is outside this plan's bracket.")
                    % {"population": self.population}
                ]
        if errors:
            raise ValidationError(errors)


class CommuneModule(models.Model):
    """Whether one module is on for one commune, and its settings for that commune."""

    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        related_name="module_switches",
        verbose_name=_("commune"),
    )
    module = models.CharField(_("module"), max_length=50, choices=module_choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("module of a commune")
        verbose_name_plural = _("modules of communes")
        ordering = ["commune", "module"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "module"], name="commune_module_unique"),
        ]

    def __str__(self) -> str:
        state = _("on") if self.enabled else _("off")
        return f"{self.commune} · {self.module} · {state}"


class StaffRole(models.Model):
    """A person's role in one commune's town hall (mayor, council, communication, technical).

    The row is the record; the permissions it brings are django-guardian object
    permissions on the commune, kept in step by ``communes.roles``.
    """

    class Role(models.TextChoices):
        MAYOR = "mayor", _("Mayor")
        COUNCIL = "council", _("Council member")
        COMMUNICATION = "communication", _("Communication")
        TECHNICAL = "technical", _("Technical service")
        # COM-2: the police attached to a partner town hall, with accounts of its own.
        POLICE = "police", _("Police")

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("commune")
    )
    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    granted_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("granted by"),
    )

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        ordering = ["commune", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "user", "role"], name="staff_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.commune}"


class StaffInvitationQuerySet(models.QuerySet):
    def pending(self) -> StaffInvitationQuerySet:
        """Neither accepted nor expired."""
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class StaffInvitation(models.Model):
    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.CASCADE,
        related_name="staff_invitations",
        verbose_name=_("commune"),
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.Role.choices)
    invited_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    token_hash = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = StaffInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        indexes = [models.Index(fields=["commune", "email"], name="communes_invite_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.commune_id})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class FollowQuerySet(models.QuerySet["Follow"]):
    def pending(self) -> Self:
        return self.filter(status=Follow.Status.PENDING)

    def validated(self) -> Self:
        return self.filter(status=Follow.Status.VALIDATED)


class Follow(models.Model):
    """A resident follows a commune (ACC-9); pending until its staff validate it (ACC-10)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        VALIDATED = "validated", _("Validated")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="follows",
        verbose_name=_("resident"),
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="follows", verbose_name=_("commune")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason"), blank=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "commune"], name="follow_unique"),
        ]
        indexes = [models.Index(fields=["commune", "status"], name="follow_commune_status")]

    def __str__(self) -> str:
        return f"{self.user} → {self.commune} ({self.get_status_display()})"


# --- Wagtail pages --------------------------------------------------------------


class PortalPage(Page):
    """The platform's home on its own host name: lists the communes it hosts."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["communes.StandardPage"]
    max_count = 1
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("platform home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["communes"] = Commune.objects.select_related("site").order_by("country", "name")
        return context


class CommunePage(Page):
    """The root page of a commune's site: its home, with the latest news."""

    intro = RichTextField(_("welcome text"), blank=True)
    news_on_home = models.PositiveSmallIntegerField(_("news shown on the home page"), default=6)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("news_on_home")], heading=_("Home page")),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["communes.NewsPage", "communes.StandardPage"]
    # API-2: the commune's public details (``communes.cms_api``); ``None`` for a
    # home page that no commune's site uses.
    api_fields = [
        APIField("intro"),
        APIField("commune", serializer=cms_api.CommuneIdentitySerializer()),
        APIField("logo", serializer=ImageRenditionField(cms_api.LOGO_SPEC, source="commune.logo")),
        APIField(
            "coat_of_arms",
            serializer=ImageRenditionField(cms_api.LOGO_SPEC, source="commune.coat_of_arms"),
        ),
        APIField("contact", serializer=cms_api.TownHallContactSerializer(source="commune")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("commune home page")

    @cached_property
    def commune(self):
        return Commune.objects.filter(site__root_page=self).first()

    def latest_news(self):
        return (
            NewsPage.objects.live().public().child_of(self).order_by("-date", "-first_published_at")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["news"] = self.latest_news()[: self.news_on_home]
        commune = getattr(request, "commune", None) or self.commune
        panels = []
        if commune is not None:
            for _receiver, panel in commune_home_panels.send(commune, request=request):
                if panel:
                    panels.append(panel)
        context["home_panels"] = sorted(panels, key=lambda p: p[0])
        context["feed_pins"] = feed_pins(commune, request)
        return context


class NewsPage(Page):
    """A news item published by the town hall (CNT-1)."""

    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.CharField(_("summary"), max_length=300, blank=True)
    body = RichTextField(_("text"))
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
    )
    # CNT-1: the commune's validated residents comment (app conversations), unless the
    # town hall closes this page to comments; it can change its mind at any time.
    comments_open = models.BooleanField(
        _("open to comments"),
        default=True,
        help_text=_(
            "Untick to close this news item to comments: the comments already written stay "
            "visible to the residents, nobody can add or change one."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("image"),
        MultiFieldPanel([FieldPanel("comments_open")], heading=_("Comments")),
    ]
    parent_page_types = ["communes.CommunePage"]
    subpage_types: list[str] = []
    api_fields = [
        APIField("date"),
        APIField("intro"),
        APIField("body"),
        APIField("image"),
        # API-2: the image as the apps show it, a card's thumbnail and the page's picture.
        APIField(
            "image_thumbnail",
            serializer=ImageRenditionField(cms_api.NEWS_THUMBNAIL_SPEC, source="image"),
        ),
        APIField(
            "image_large", serializer=ImageRenditionField(cms_api.NEWS_LARGE_SPEC, source="image")
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")


class StandardPage(Page):
    """A plain content page (town-hall services, opening hours, history…)."""

    body = RichTextField(_("text"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["communes.CommunePage", "communes.PortalPage", "communes.StandardPage"]
    api_fields = [APIField("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    class Meta:
        verbose_name = _("content page")
