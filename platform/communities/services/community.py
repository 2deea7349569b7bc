"""A community's life: creation, boundary, area cap, validation mode, name, showcase
page (CTY-1, CTY-2, CTY-4, CTY-11, CTY-12)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.selectors import is_open_account
from communes import territory
from communities.geo import check_polygon, parse_polygon
from communities.models import (
    PRESENTATION_MAX_LENGTH,
    Community,
    CommunityPage,
    HistoryEntry,
    Membership,
    ValidationMode,
)
from communities.selectors import overlapping
from communities.services._common import (
    clean_name,
    current_refusal,
    lock_community,
    record_history,
    require_referent,
    require_staff,
    resident_refusal,
)

if TYPE_CHECKING:
    from django.contrib.gis.geos import GEOSGeometry
    from wagtail.models import Page

    from accounts.models import User
    from communes.models import Commune


def _check_no_overlap(polygon: GEOSGeometry, *, exclude_pks: Iterable[int] = ()) -> None:
    other = overlapping(polygon, exclude_pks=exclude_pks).only("name").first()
    if other is not None:
        raise ValidationError(
            {
                "area": _(
                    "This boundary overlaps the community “%(name)s”. Draw it again along "
                    "that community's edge, or ask the platform's staff."
                )
                % {"name": other.name}
            }
        )


# --- showcase page (CTY-11) --------------------------------------------------------------


def _unique_slug(parent: Page, base: str) -> str:
    base = (slugify(base) or "communaute")[:60]
    slug = f"communaute-{base}"
    siblings = set(parent.get_children().values_list("slug", flat=True))
    candidate, n = slug, 2
    while candidate in siblings:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


def _showcase_description(community: Community) -> str:
    text = " ".join(community.presentation.split())
    if not text:
        text = _("%(name)s, a neighbourhood community of %(commune)s.") % {
            "name": community.name,
            "commune": community.commune.name,
        }
    return text[:300]


def showcase_page_sync(community: Community) -> CommunityPage | None:
    """Create or update the public page of ``community`` under its commune's home page."""
    commune = community.commune
    page: CommunityPage | None = CommunityPage.objects.filter(community=community).first()
    if page is None:
        if commune.site is None:
            return None
        parent = commune.site.root_page.specific
        page = CommunityPage(
            title=community.name,
            slug=_unique_slug(parent, community.name),
            community=community,
            search_description=_showcase_description(community),
            live=True,
        )
        parent.add_child(instance=page)
        return page
    changed = []
    if page.title != community.name:
        page.title = community.name
        changed.append("title")
    description = _showcase_description(community)
    if page.search_description != description:
        page.search_description = description
        changed.append("search_description")
    if changed:
        page.save(update_fields=changed)
    return page


def create_refusal(user: User, commune: Commune) -> Exception | None:
    """Why ``user`` may not create a community in ``commune`` now, or None when they may.

    The person-side checks of :func:`community_create` (the drawing's own checks,
    shape, area and overlap, come with the drawing).
    """
    if not is_open_account(user):
        return PermissionDenied(_("Log in to create a community."))
    refusal = resident_refusal(user, commune)
    if refusal is not None:
        return refusal
    current = (
        Membership.objects.filter(user=user, status__in=Membership.CURRENT)
        .select_related("community")
        .first()
    )
    if current is not None:
        return current_refusal(current, creating=True)
    if user.location is None:
        return ValidationError(
            {"area": _("Give your postal address first: the community must contain your home.")}
        )
    return None


# --- creation, boundary, name (CTY-1, CTY-2, CTY-12) ---------------------------------------


@transaction.atomic
def community_create(
    *, user: User, commune: Commune, name: str, area: GEOSGeometry | str
) -> Community:
    """A resident whose home no community covers draws one; they become its référent."""
    refusal = create_refusal(user, commune)
    if refusal is not None:
        raise refusal
    name = clean_name(name)
    polygon = parse_polygon(area)
    area_m2 = check_polygon(polygon)
    territory.check_geometry(commune, polygon, field="area")  # COM-5: inside the commune
    if user.location is None:
        raise ValidationError(
            {"area": _("Give your postal address first: the community must contain your home.")}
        )
    if not polygon.contains(user.location):
        raise ValidationError({"area": _("The boundary must contain your home.")})
    # Serialise creations: two neighbours drawing at once must not both pass the
    # overlap check. The advisory lock is PostgreSQL's; SQLite serialises writes.
    _serialise_boundaries()
    _check_no_overlap(polygon)
    current = Membership.objects.filter(user=user, status__in=Membership.CURRENT).first()
    if current is not None:  # a request sent while this one was drawing
        raise current_refusal(current, creating=True)
    community = Community.objects.create(
        commune=commune, name=name, area=polygon, area_m2=area_m2, created_by=user
    )
    Membership.objects.create(
        community=community,
        user=user,
        status=Membership.Status.MEMBER,
        is_referent=True,
        decided_at=timezone.now(),
    )
    record_history(community, HistoryEntry.Kind.CREATED, person=user, actor=user)
    showcase_page_sync(community)
    return community


def _serialise_boundaries() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('communities.boundary'))")


@transaction.atomic
def community_set_boundary(
    *, by: User, community: Community, area: GEOSGeometry | str
) -> Community:
    """Platform staff redraw a boundary (to resolve an overlap, say)."""
    require_staff(by)
    community = lock_community(community)
    polygon = parse_polygon(area)
    area_m2 = check_polygon(polygon, cap_lifted=community.area_cap_lifted)
    territory.check_geometry(community.commune, polygon, field="area")
    _serialise_boundaries()
    _check_no_overlap(polygon, exclude_pks=[community.pk])
    outside = (
        Membership.objects.members()
        .filter(community=community, user__location__isnull=False)
        .exclude(user__location__within=polygon)
        .count()
    )
    if outside:
        raise ValidationError(
            {
                "area": _(
                    "%(count)s member(s) live outside this boundary: it must still contain "
                    "every member's home."
                )
                % {"count": outside}
            }
        )
    community.area = polygon
    community.area_m2 = area_m2
    community.save(update_fields=["area", "area_m2"])
    record_history(community, HistoryEntry.Kind.BOUNDARY_CHANGED, actor=by)
    return community


@transaction.atomic
def community_set_area_cap(*, by: User, community: Community, lifted: bool) -> Community:
    require_staff(by)
    community = lock_community(community)
    if not lifted:
        check_polygon(community.area)
    community.area_cap_lifted = lifted
    community.save(update_fields=["area_cap_lifted"])
    return community


@transaction.atomic
def community_set_validation_mode(*, by: User, community: Community, mode: str) -> Community:
    require_staff(by)
    if mode not in ValidationMode.values:
        raise ValidationError({"validation_mode": _("Choose a validation mode from the list.")})
    community = lock_community(community)
    community.validation_mode = mode
    community.save(update_fields=["validation_mode"])
    return community


@transaction.atomic
def community_rename(*, by: User, community: Community, name: str) -> Community:
    community = lock_community(community)
    require_referent(by, community)
    name = clean_name(name)
    if name == community.name:
        return community
    old = community.name
    community.name = name
    community.save(update_fields=["name"])
    record_history(community, HistoryEntry.Kind.RENAMED, actor=by, old=old, new=name)
    showcase_page_sync(community)
    return community


@transaction.atomic
def community_update_showcase(
    *, by: User, community: Community, presentation: str, show_photo: bool | None = None
) -> Community:
    """The référent's presentation (≤ 1,000 characters) and photo opt-in (CTY-11)."""
    community = lock_community(community)
    membership = require_referent(by, community)
    presentation = (presentation or "").strip()
    if len(presentation) > PRESENTATION_MAX_LENGTH:
        raise ValidationError(
            {
                "presentation": _("Keep the presentation under %(count)s characters.")
                % {"count": PRESENTATION_MAX_LENGTH}
            }
        )
    community.presentation = presentation
    community.save(update_fields=["presentation"])
    if show_photo is not None and membership.show_photo_publicly != show_photo:
        membership.show_photo_publicly = show_photo
        membership.save(update_fields=["show_photo_publicly"])
    showcase_page_sync(community)
    return community
