"""Moderation (CNT-5) and the support desk (CNT-7).

:class:`Case`: one reported thing (an item of a reportable kind, or a person), what the
moderators decided and the author's appeal. :class:`Report`: one person's report of it
(one per reporter and case). :class:`Decision`: every decision taken on a case, in order
(also written to Wagtail's audit log). :class:`Suspension`: an account suspended by a
moderator, until it is lifted. :class:`SupportRequest` and :class:`SupportMessage`: the
"Contacter l'équipe" desk, answered by the platform's staff.

A case names its item by kind key (``core.modules.ReportableKind.key``) and id, not by a
foreign key: moderation reads every app's content through the contract and owns none of
it. The commune (and the community, for content posted in one) is copied on the case so
the queue filters and scopes without touching the items' tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

#: The kind key of a reported person (not a ReportableKind: moderation's own).
PERSON_KIND = "accounts.user"
EXCERPT_LENGTH = 500
TEXT_MAX_LENGTH = 2000


class Reason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARASSMENT = "harassment", _("Insult or harassment")
    FALSE_INFORMATION = "false_information", _("False information")
    PERSONAL_DATA = "personal_data", _("Personal data exposed")
    ILLEGAL = "illegal", _("Illegal content")
    IMPERSONATION = "impersonation", _("Impersonation")
    BEHAVIOUR = "behaviour", _("Inappropriate behaviour")
    OTHER = "other", pgettext_lazy("report reason", "Other")


#: Reasons offered for content, and for a person.
CONTENT_REASONS = (
    Reason.SPAM,
    Reason.HARASSMENT,
    Reason.FALSE_INFORMATION,
    Reason.PERSONAL_DATA,
    Reason.ILLEGAL,
    Reason.OTHER,
)
PERSON_REASONS = (Reason.IMPERSONATION, Reason.BEHAVIOUR, Reason.HARASSMENT, Reason.OTHER)


class Action(models.TextChoices):
    KEEP = "keep", _("Keep (dismiss the reports)")
    HIDE = "hide", _("Hide")
    WARN = "warn", _("Warn the author")
    EXCLUDE = "exclude", _("Exclude from the community")
    SUSPEND = "suspend", _("Suspend the account")


#: The decisions an author may appeal (hiding something of theirs, or sanctioning them).
APPEALABLE = frozenset({Action.HIDE, Action.WARN, Action.EXCLUDE, Action.SUSPEND})


class CaseQuerySet(models.QuerySet["Case"]):
    def waiting(self):
        """The queue: new cases and appeals."""
        return self.filter(status__in=(Case.Status.NEW, Case.Status.APPEALED))


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("To review")
        DECIDED = "decided", _("Decided")
        APPEALED = "appealed", _("Appealed")
        CLOSED = "closed", _("Closed after appeal")

    class Source(models.TextChoices):
        REPORTS = "reports", _("Reports by residents")
        REPEATED_TEXT = "repeated_text", _("The same text posted many times")

    kind = models.CharField(_("kind"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("item id"))
    commune = models.ForeignKey(
        "communes.Commune",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderation_cases",
        verbose_name=_("commune"),
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_cases",
        verbose_name=_("community"),
    )
    # Whether the commune's staff moderate it (its own spaces); the platform always may.
    town_hall = models.BooleanField(_("moderated by the town hall"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_cases",
        verbose_name=_("author or reported person"),
    )
    # What the moderators read, copied when the case opened (and refreshed on each report):
    # an edit after the report does not erase what was reported.
    excerpt = models.TextField(_("excerpt"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.REPORTS
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    last_reported_at = models.DateTimeField(_("last reported at"), default=timezone.now)
    # Hidden pending review by the reports' number (auto-hide) or held by abuse control.
    auto_hidden_at = models.DateTimeField(_("hidden pending review at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Action.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note to the author"), blank=True)
    appeal_text = models.TextField(_("appeal"), blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    # The 48-hour reminder to the platform's staff (once per wait).
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation case")
        verbose_name_plural = _("moderation cases")
        ordering = ["-last_reported_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "opened_at"], name="case_queue_idx"),
            models.Index(fields=["commune", "status", "opened_at"], name="case_commune_idx"),
            models.Index(fields=["author", "status"], name="case_author_idx"),
        ]
        constraints = [
            # One open case per item: reports of the same item join it (a decided case
            # stays as history; a new report after it opens a new case).
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=Q(status__in=("new", "appealed")),
                name="case_one_open_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"

    @property
    def is_waiting(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.APPEALED)

    @property
    def is_person(self) -> bool:
        return self.kind == PERSON_KIND

    @property
    def can_appeal(self) -> bool:
        """The author may still appeal this decision (once)."""
        return (
            self.status == self.Status.DECIDED
            and self.appealed_at is None
            and self.decision in APPEALABLE
        )


class Report(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="reports", verbose_name=_("case")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_reports",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    text = models.TextField(_("details"), max_length=TEXT_MAX_LENGTH, blank=True)
    impersonated_name = models.CharField(_("impersonated name"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    # When the reporter was told the outcome (once per decision).
    told_at = models.DateTimeField(_("reporter told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "reporter"], name="report_once_per_case"),
        ]
        indexes = [
            models.Index(fields=["reporter", "created_at"], name="report_reporter_idx"),
            # The queue's reason filter: the cases having a report with that reason.
            models.Index(fields=["reason", "case"], name="report_reason_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.case})"


class Decision(models.Model):
    """One decision on a case (the first, or the one on the appeal)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("case")
    )
    action = models.CharField(_("decision"), max_length=10, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("moderator"),
    )
    note = models.TextField(_("note to the author"), blank=True)
    on_appeal = models.BooleanField(_("on appeal"), default=False)
    created_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.case})"


class Suspension(models.Model):
    """An account suspended by a moderator: login refused, content hidden, until lifted.

    The items it hid carry ``hidden_at == hidden_at`` of this row, so lifting it shows
    again exactly those (not what a moderator hid on its own).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="suspensions",
        verbose_name=_("account"),
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("suspended by"),
    )
    hidden_at = models.DateTimeField(_("content hidden at"))
    created_at = models.DateTimeField(_("suspended at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(lifted_at__isnull=True), name="one_suspension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class SupportRequest(models.Model):
    """A request to the platform's team ("Contacter l'équipe", CNT-7)."""

    class Topic(models.TextChoices):
        MEMBERSHIP_UNANSWERED = (
            "membership_unanswered",
            _("My request to join a community has no answer"),
        )
        APPEAL_REFUSAL = "appeal_refusal", _("I contest a refusal")
        OVERLAP = "overlap", _("My home is in another community's area")
        AREA_CAP = "area_cap", _("My rural community needs more than 1 km²")
        MISSING_COMMUNE = "missing_commune", _("My commune or postal code is missing")
        IMPERSONATION = "impersonation", _("Someone is impersonating me")
        ACCOUNT = "account", _("A problem with my account")
        OTHER = "other", pgettext_lazy("support topic", "Other")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("support request", "New")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_requests",
        verbose_name=_("person"),
    )
    # For a visitor without an account (and kept for an account, to answer by e-mail).
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    commune = models.ForeignKey(
        "communes.Commune",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_requests",
        verbose_name=_("commune"),
    )
    subject = models.CharField(_("subject"), max_length=150)
    # What the platform knew when the request was sent (the community, the membership
    # request, the overlap…), as {"label": …, "value": …} rows for staff to read.
    context = models.JSONField(_("context"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )
    client_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="support_status_idx"),
            models.Index(fields=["requester", "created_at"], name="support_requester_idx"),
        ]

    def __str__(self) -> str:
        return self.subject


class SupportMessage(models.Model):
    """The request's first text, then the answers and the person's replies, in order."""

    request = models.ForeignKey(
        SupportRequest,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from the team"), default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("support message")
        verbose_name_plural = _("support messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]
