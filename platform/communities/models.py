"""Neighbourhood communities (CTY): a polygon, its members and référents, their history.

A community belongs to one commune. Its boundary is a WGS 84 polygon with a
spatial index, so "which community covers this point" and "which communities
are near" are single indexed queries (``communities.selectors``). Business
rules live in ``communities.services``; nothing here decides who may do what.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index

from accounts.selectors import open_account_q
from communities import cms_api
from core.forms import service_error_text
from core.modules import registry
from core.types import StrOrPromise
from privacy.matrix import showcase_card

PRESENTATION_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 1000


class ValidationMode(models.TextChoices):
    REFERENT = "referent", _("By a référent of the community")
    PLATFORM_STAFF = "platform_staff", _("By the platform's staff")


class CommunityQuerySet(models.QuerySet["Community"]):
    def with_member_count(self) -> Self:
        return self.annotate(
            member_count=models.Count(
                "memberships", filter=Q(memberships__status=Membership.Status.MEMBER)
            )
        )


class Community(models.Model):
    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("name"), max_length=120)
    area = gis_models.PolygonField(_("boundary"), srid=4326, spatial_index=True)
    # Geodesic area in m², computed in Python (communities.geo) so that it is the
    # same number on PostGIS and SpatiaLite.
    area_m2 = models.FloatField(_("area (m²)"), default=0, editable=False)
    area_cap_lifted = models.BooleanField(
        _("area cap lifted"),
        default=False,
        help_text=_("A rural community may cover more than 1 km² (platform staff decide)."),
    )
    validation_mode = models.CharField(
        _("validation of membership requests"),
        max_length=20,
        choices=ValidationMode.choices,
        default=ValidationMode.REFERENT,
    )
    presentation = models.TextField(
        _("presentation"),
        max_length=PRESENTATION_MAX_LENGTH,
        blank=True,
        help_text=_("Shown on the public page of the community (at most 1,000 characters)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    # CTY-5: the day référents were last reminded of pending requests.
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True, editable=False)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["commune", "name"]
        permissions = [
            ("manage_communities", _("Lift area caps, redraw, merge and decide exclusions")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_validation_mode(self) -> str:
        """A partner town hall's choice applies to every community of its commune (COM-2)."""
        commune = self.commune
        if commune.is_partner and commune.community_validation_mode:
            return commune.community_validation_mode
        return self.validation_mode


class MembershipQuerySet(models.QuerySet["Membership"]):
    def members(self) -> Self:
        return self.filter(status=Membership.Status.MEMBER)

    def pending(self) -> Self:
        return self.filter(status=Membership.Status.PENDING)

    def referents(self) -> Self:
        return self.filter(status=Membership.Status.MEMBER, is_referent=True)


class Membership(models.Model):
    """One person's request to join, then membership of, one community (CTY-4, CTY-6)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        MEMBER = "member", _("Member")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        LEFT = "left", _("Left")
        EXCLUDED = "excluded", _("Excluded")

    CURRENT = (Status.PENDING, Status.MEMBER)

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("community")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_memberships",
        verbose_name=_("person"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    is_referent = models.BooleanField(_("référent"), default=False)
    # CTY-11: a référent chooses whether their photo appears on the public page.
    show_photo_publicly = models.BooleanField(_("show my photo on the public page"), default=False)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    refusal_reason = models.TextField(_("reason of the refusal"), blank=True)
    # CTY-5: set when an undecided request goes to the platform's staff.
    escalated_at = models.DateTimeField(_("sent to the platform's staff"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-requested_at"]
        constraints = [
            # CTY-6: one community per account (a pending request holds the place).
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["pending", "member"]),
                name="membership_one_community_per_account",
            ),
            models.CheckConstraint(
                condition=Q(is_referent=False) | Q(status="member"),
                name="membership_referent_is_member",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="membership_community_status"),
            models.Index(fields=["status", "requested_at"], name="membership_status_requested"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.community} ({self.get_status_display()})"


def history_kind_choices() -> list[tuple[str, StrOrPromise]]:
    """The core's kinds of history entry, then those modules declare (``history_kinds``).

    A callable, so a module adds kinds without a migration of this app.
    """
    choices: list[tuple[str, StrOrPromise]] = list(HistoryEntry.Kind.choices)
    core = {key for key, _label in choices}
    for module, kind in registry.contributions("history_kinds"):
        if kind.key in core:
            raise ImproperlyConfigured(
                f"{module.name}: history kind {kind.key!r} is one of the core's."
            )
        choices.append((kind.key, kind.label))
    return choices


class HistoryEntry(models.Model):
    """CTY-9: arrivals, departures, exclusions and role changes, shown to members.

    Modules add kinds of their own (``PlatformModule.history_kinds``).
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Community created")
        JOINED = "joined", _("Joined")
        LEFT = "left", _("Left")
        EXCLUDED = "excluded", _("Excluded")
        REFERENT_GRANTED = "referent_granted", _("Became référent")
        REFERENT_GAVE_UP = "referent_gave_up", _("Gave up the référent role")
        REFERENT_REMOVED = "referent_removed", _("Référent role removed")
        REFERENT_TRANSFERRED = "referent_transferred", _("Référent role handed over")
        RENAMED = "renamed", _("Renamed")
        MERGED = "merged", _("Merged")
        BOUNDARY_CHANGED = "boundary_changed", _("Boundary changed")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="history", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=history_kind_choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["community", "-created_at"], name="history_community_date")]

    def __str__(self) -> str:
        return f"{self.community} · {self.get_kind_display()}"


class Exclusion(models.Model):
    """CTY-8: a référent asks; the platform's staff decide and execute."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        EXECUTED = "executed", _("Executed")
        REJECTED = "rejected", _("Rejected")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="exclusions", verbose_name=_("community")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_exclusions",
        verbose_name=_("member"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    staff_note = models.TextField(_("note of the platform's staff"), blank=True)
    # An executed exclusion blocks new requests to this community until lifted.
    lifted_at = models.DateTimeField(_("new request allowed since"), null=True, blank=True)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "member"],
                condition=Q(status="requested"),
                name="exclusion_one_open_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.community} ({self.get_status_display()})"


class Invitation(models.Model):
    """CTY-10: an invitation sent by a member. The address itself is not kept.

    ``recipient_index`` is a keyed HMAC of the normalised address or number
    (accounts.crypto.blind_index): enough to refuse inviting the same person
    twice in a day, useless to anyone reading the database.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("community")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_invitations",
        verbose_name=_("sender"),
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    recipient_index = models.CharField(max_length=64, editable=False)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["sender", "sent_at"], name="invitation_sender_date")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.community}"


class MergeProposal(models.Model):
    """CTY-12: merge one or more communities into ``kept`` once a référent of every
    community of the proposal agreed (its ``sides``, the kept community's included)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the other communities")
        AGREED = "agreed", _("Agreed, waiting for the platform's staff")
        EXECUTED = "executed", _("Merged")
        CANCELLED = "cancelled", _("Cancelled")

    kept = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="merge_proposals_kept",
        verbose_name=_("community kept"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
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
        verbose_name = _("merge proposal")
        verbose_name_plural = _("merge proposals")
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        names = [side.name for side in self.absorbed_sides]
        return f"{', '.join(names)} → {self.kept}"

    @property
    def ordered_sides(self) -> list[MergeSide]:
        """Every side, the kept community first, then the absorbed ones by name (reads
        ``sides`` once: prefetch it for a list)."""
        sides = list(self.sides.all())
        return sorted(sides, key=lambda s: (not s.is_kept, s.name.casefold(), s.pk or 0))

    @property
    def absorbed_sides(self) -> list[MergeSide]:
        return [side for side in self.ordered_sides if not side.is_kept]

    @property
    def all_agreed(self) -> bool:
        sides = self.ordered_sides
        return bool(sides) and all(side.agreed for side in sides)


class MergeSide(models.Model):
    """CTY-12: one community of a merge proposal, the kept one included, and whether a
    référent of it agreed (``agreed_at``: the agreement stays if their account goes).

    The kept side is the one whose community is ``proposal.kept``; an absorbed side's
    community becomes null once merged away, its name stays in ``community_name``."""

    proposal = models.ForeignKey(
        MergeProposal,
        on_delete=models.CASCADE,
        related_name="sides",
        verbose_name=_("merge proposal"),
    )
    community = models.ForeignKey(
        Community,
        null=True,
        on_delete=models.SET_NULL,
        related_name="merge_sides",
        verbose_name=_("community"),
    )
    community_name = models.CharField(_("name of the community"), max_length=120)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agreed by"),
    )
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("side of a merge")
        verbose_name_plural = _("sides of a merge")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "community"], name="merge_side_community_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.community.name if self.community is not None else self.community_name

    @property
    def is_kept(self) -> bool:
        return self.community_id is not None and self.community_id == self.proposal.kept_id

    @property
    def agreed(self) -> bool:
        return self.agreed_at is not None


class ReferentKitDocument(models.Model):
    """CTY-12: a document of the référent kit, managed in the Wagtail admin."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("document"),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("document"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("référent kit document")
        verbose_name_plural = _("référent kit")
        ordering = ["sort_order", "title"]

    def __str__(self) -> str:
        return self.title


class CommunityPage(Page):
    """CTY-11: the public, indexable page of a community ("page visible").

    Created, renamed and deleted with its community by ``communities.services``
    (under the commune's home page); it shows only what the showcase allows.
    """

    community = models.OneToOneField(
        Community,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="showcase_page",
        verbose_name=_("community"),
    )

    content_panels = [*Page.content_panels]
    promote_panels = [*Page.promote_panels]
    parent_page_types = ["communes.CommunePage"]
    subpage_types: list[str] = []
    search_fields = [*Page.search_fields, index.SearchField("search_description")]
    # API-2: what the page shows and nothing else (``communities.cms_api``): the
    # community's public data and its référents as ``showcase_card`` shows them.
    api_fields = [
        APIField("name", serializer=cms_api.ShowcaseField("name")),
        APIField("created_at", serializer=cms_api.ShowcaseField("created_at")),
        APIField("member_count", serializer=cms_api.ShowcaseField("member_count")),
        APIField("presentation", serializer=cms_api.ShowcaseField("presentation")),
        APIField("referents", serializer=cms_api.ShowcaseReferentsField()),
    ]

    class Meta:
        verbose_name = _("community page")
        verbose_name_plural = _("community pages")

    def showcase_community(self) -> Community | None:
        """The community with its member count (``None`` once it is gone)."""
        if self.community_id is None:
            return None
        return Community.objects.with_member_count().filter(pk=self.community_id).first()

    def showcase_referents(self, community: Community) -> list:
        """The référents as any public page where a person chose to appear shows them."""
        referents = (
            Membership.objects.referents()
            .filter(open_account_q("user__"), community=community)
            .select_related("user")
            .order_by("decided_at", "pk")
        )
        return [showcase_card(m.user, show_photo=m.show_photo_publicly) for m in referents]

    def serve(self, request, *args, **kwargs):
        if self.community_id is None:  # its community is gone: nothing to show
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        """What CTY-11 allows, and nothing else: no member is named but the référents,
        shown as on any public page where a person chose to appear
        (``privacy.matrix.showcase_card``: pseudonym or name, photo if opted in)."""
        context = super().get_context(request, *args, **kwargs)
        community = Community.objects.with_member_count().get(pk=self.community_id)
        cards = self.showcase_referents(community)
        photo = next((card.photo_url for card in cards if card.photo_url), None)
        join_offer = None
        if request.user.is_authenticated:
            # Lazy: the services import these models (a cycle at import time).
            from communities.services import join_refusal

            refusal = join_refusal(request.user, community)
            current = Membership.objects.filter(
                user=request.user, community=community, status__in=Membership.CURRENT
            ).first()
            join_offer = {
                "refusal": service_error_text(refusal) if refusal else "",
                "current": current.status if current else "",
            }
        context.update(
            community=community,
            referents=cards,
            join_offer=join_offer,
            canonical_url=self.get_full_url(request),
            og_image=request.build_absolute_uri(photo) if photo else None,
        )
        return context
