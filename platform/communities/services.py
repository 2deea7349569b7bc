"""Writes on communities: every rule of CTY-1…CTY-12 lives here.

Site views, API views, the Wagtail admin and tasks call these functions and
nothing else. Each one that changes membership or roles locks the community
row first, so two référents acting at once cannot break an invariant (a
community with members always keeps a référent, CTY-7).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.crypto import blind_index
from accounts.selectors import is_open_account, normalise_phone
from accounts.staff import is_platform_staff
from communes import territory
from communes.models import Follow
from communes.selectors import follow_of, is_validated_resident
from communities import notify
from communities.geo import check_polygon, parse_polygon
from communities.models import (
    PRESENTATION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Community,
    CommunityPage,
    Exclusion,
    HistoryEntry,
    Invitation,
    Membership,
    MergeProposal,
    ValidationMode,
)
from communities.selectors import overlapping
from core.modules import registry

NAME_MAX_LENGTH = 120
INVITATION_SALT = "communities.invitation"

# Sent inside the merge transaction once members and history have moved, with
# ``absorbed`` and ``kept``: core apps holding content of a community move it. A module
# declares ``community_merge`` on its PlatformModule instead (run just after).
community_merged = Signal()
# Sent before a community is deleted (last member gone), with ``community``.
community_deleted = Signal()


# --- helpers --------------------------------------------------------------------------


def _lock(community: Community) -> Community:
    return Community.objects.select_for_update().select_related("commune").get(pk=community.pk)


def _membership(community: Community, user, *, lock: bool = True) -> Membership | None:
    qs = Membership.objects.filter(community=community, user=user, status=Membership.Status.MEMBER)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _require_referent(by, community: Community) -> Membership:
    membership = _membership(community, by) if is_open_account(by) else None
    if membership is None or not membership.is_referent:
        raise PermissionDenied(_("Only a référent of the community can do this."))
    return membership


def _require_staff(by) -> None:
    if not is_platform_staff(by):
        raise PermissionDenied(_("Only the platform's staff can do this."))


def _history(community, kind, *, person=None, actor=None, **data) -> HistoryEntry:
    return HistoryEntry.objects.create(
        community=community, kind=kind, person=person, actor=actor, data=data
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the community a name.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("Keep the name under %(count)s characters.") % {"count": NAME_MAX_LENGTH}}
        )
    return name


def _clean_reason(reason: str, *, required: bool, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({field: _("Give a reason: the person will read it.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {field: _("Keep the reason under %(count)s characters.") % {"count": REASON_MAX_LENGTH}}
        )
    return reason


def _check_no_overlap(polygon, *, exclude_pks=()) -> None:
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


def _unique_slug(parent, base: str) -> str:
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
    page = CommunityPage.objects.filter(community=community).first()
    if page is None:
        if not commune.site_id:
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


# --- what may be offered (the services' own checks, for pages and the API) --------------


def _resident_refusal(user, commune) -> PermissionDenied | None:
    """ACC-10: only residents the town hall validated create or join a community."""
    if is_validated_resident(user, commune):
        return None
    follow = follow_of(user, commune)
    if follow is not None and follow.status == Follow.Status.PENDING:
        return PermissionDenied(
            _(
                "Your registration must first be validated by the town hall of %(commune)s: "
                "you will receive an email."
            )
            % {"commune": commune.name}
        )
    return PermissionDenied(
        _("The town hall must validate you as a resident of %(commune)s first.")
        % {"commune": commune.name}
    )


def _current_refusal(current: Membership, *, creating: bool) -> ValidationError:
    """CTY-6: one community per account; says which one and what to do."""
    name = current.community.name
    if current.status == Membership.Status.PENDING:
        return ValidationError(
            _("Your request to join “%(name)s” is waiting for a decision: withdraw it first.")
            % {"name": name}
        )
    if creating:
        text = _("You are already a member of “%(name)s”: leave it to create another one.")
    else:
        text = _("You are already a member of “%(name)s”: leave it to join another one.")
    return ValidationError(text % {"name": name})


def join_refusal(user, community: Community) -> Exception | None:
    """Why ``user`` may not ask to join ``community`` now, or None when they may.

    The checks of :func:`membership_request`, in its order, without writing: pages
    and the API offer "Ask to join" only when this is None, and say why otherwise.
    Someone whose request or membership is already this community's gets None
    (the request is theirs already).
    """
    if not is_open_account(user):
        return PermissionDenied(_("Log in to join a community."))
    refusal = _resident_refusal(user, community.commune)
    if refusal is not None:
        return refusal
    current = (
        Membership.objects.filter(user=user, status__in=Membership.CURRENT)
        .select_related("community")
        .first()
    )
    if current is not None:
        return (
            None
            if current.community_id == community.pk
            else _current_refusal(current, creating=False)
        )
    if Exclusion.objects.filter(
        community=community,
        member=user,
        status=Exclusion.Status.EXECUTED,
        lifted_at__isnull=True,
    ).exists():
        return PermissionDenied(
            _(
                "You were excluded from this community: only the platform's staff "
                "can let you ask again."
            )
        )
    if user.location is None or not community.area.contains(user.location):
        return ValidationError(
            _("Your home is outside this community: you can join only the community around it.")
        )
    return None


def create_refusal(user, commune) -> Exception | None:
    """Why ``user`` may not create a community in ``commune`` now, or None when they may.

    The person-side checks of :func:`community_create` (the drawing's own checks,
    shape, area and overlap, come with the drawing).
    """
    if not is_open_account(user):
        return PermissionDenied(_("Log in to create a community."))
    refusal = _resident_refusal(user, commune)
    if refusal is not None:
        return refusal
    current = (
        Membership.objects.filter(user=user, status__in=Membership.CURRENT)
        .select_related("community")
        .first()
    )
    if current is not None:
        return _current_refusal(current, creating=True)
    if user.location is None:
        return ValidationError(
            {"area": _("Give your postal address first: the community must contain your home.")}
        )
    return None


# --- creation, boundary, name (CTY-1, CTY-2, CTY-12) ---------------------------------------


@transaction.atomic
def community_create(*, user, commune, name: str, area) -> Community:
    """A resident whose home no community covers draws one; they become its référent."""
    refusal = create_refusal(user, commune)
    if refusal is not None:
        raise refusal
    name = _clean_name(name)
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
        raise _current_refusal(current, creating=True)
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
    _history(community, HistoryEntry.Kind.CREATED, person=user, actor=user)
    showcase_page_sync(community)
    return community


def _serialise_boundaries() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('communities.boundary'))")


@transaction.atomic
def community_set_boundary(*, by, community: Community, area) -> Community:
    """Platform staff redraw a boundary (to resolve an overlap, say)."""
    _require_staff(by)
    community = _lock(community)
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
    _history(community, HistoryEntry.Kind.BOUNDARY_CHANGED, actor=by)
    return community


@transaction.atomic
def community_set_area_cap(*, by, community: Community, lifted: bool) -> Community:
    _require_staff(by)
    community = _lock(community)
    if not lifted:
        check_polygon(community.area)
    community.area_cap_lifted = lifted
    community.save(update_fields=["area_cap_lifted"])
    return community


@transaction.atomic
def community_set_validation_mode(*, by, community: Community, mode: str) -> Community:
    _require_staff(by)
    if mode not in ValidationMode.values:
        raise ValidationError({"validation_mode": _("Choose a validation mode from the list.")})
    community = _lock(community)
    community.validation_mode = mode
    community.save(update_fields=["validation_mode"])
    return community


@transaction.atomic
def community_rename(*, by, community: Community, name: str) -> Community:
    community = _lock(community)
    _require_referent(by, community)
    name = _clean_name(name)
    if name == community.name:
        return community
    old = community.name
    community.name = name
    community.save(update_fields=["name"])
    _history(community, HistoryEntry.Kind.RENAMED, actor=by, old=old, new=name)
    showcase_page_sync(community)
    return community


@transaction.atomic
def community_update_showcase(
    *, by, community: Community, presentation: str, show_photo: bool | None = None
) -> Community:
    """The référent's presentation (≤ 1,000 characters) and photo opt-in (CTY-11)."""
    community = _lock(community)
    membership = _require_referent(by, community)
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


def community_delete(community: Community) -> None:
    """Delete a community and its page (its last member is gone, ACC-12)."""
    community_deleted.send(sender=Community, community=community)
    for page in CommunityPage.objects.filter(community=community):
        page.delete()
    MergeProposal.objects.filter(kept=community).delete()
    community.delete()


# --- membership (CTY-4, CTY-6) ---------------------------------------------------------------


@transaction.atomic
def membership_request(*, user, community: Community) -> Membership:
    """Ask to join; the home must lie inside the boundary and the place be free (CTY-6)."""
    if not is_open_account(user):
        raise PermissionDenied(_("Log in to join a community."))
    community = _lock(community)
    refusal = join_refusal(user, community)
    if refusal is not None:
        raise refusal
    current = Membership.objects.filter(
        user=user, community=community, status__in=Membership.CURRENT
    ).first()
    if current is not None:  # asked already: the same request
        return current
    try:
        with transaction.atomic():
            membership = Membership.objects.create(community=community, user=user)
    except IntegrityError as exc:  # a second request raced this one
        raise ValidationError(
            _("You already belong to a community (or asked to join one).")
        ) from exc
    transaction.on_commit(lambda: notify.request_received(membership.pk), robust=True)
    return membership


@transaction.atomic
def membership_withdraw(*, user) -> bool:
    """Withdraw one's pending request; False when there was none."""
    updated = Membership.objects.filter(user=user, status=Membership.Status.PENDING).update(
        status=Membership.Status.WITHDRAWN, ended_at=timezone.now()
    )
    return bool(updated)


def can_decide(by, membership: Membership) -> bool:
    """Platform staff always; référents of the community when its mode is "by a référent"."""
    if is_platform_staff(by):
        return True
    community = membership.community
    if community.effective_validation_mode != ValidationMode.REFERENT:
        return False
    return is_open_account(by) and (
        Membership.objects.referents().filter(community=community, user=by).exists()
    )


@transaction.atomic
def membership_decide(*, membership: Membership, by, accept: bool, reason: str = "") -> Membership:
    """Accept or refuse a pending request; a refusal carries a reason (CTY-4)."""
    community = _lock(membership.community)
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("This request no longer exists."))
    locked.community = community
    if not can_decide(by, locked):
        raise PermissionDenied(_("You cannot decide on requests to join this community."))
    if locked.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been decided or withdrawn."))
    reason = _clean_reason(reason, required=not accept)
    if accept and reason:
        raise ValidationError({"reason": _("Only a refusal carries a reason.")})
    if accept and (
        locked.user.location is None or not community.area.contains(locked.user.location)
    ):
        raise ValidationError(
            _("This person's home is no longer inside the community: refuse with a reason.")
        )
    now = timezone.now()
    locked.status = Membership.Status.MEMBER if accept else Membership.Status.REFUSED
    locked.decided_at = now
    locked.decided_by = by
    locked.refusal_reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])
    if accept:
        _history(community, HistoryEntry.Kind.JOINED, person=locked.user, actor=by)
    transaction.on_commit(lambda: notify.request_decided(locked.pk), robust=True)
    return locked


def _promote_successor(community: Community, *, leaving_pk: int, actor) -> Membership | None:
    """The longest-standing remaining member becomes référent (CTY-7 invariant)."""
    successor = (
        Membership.objects.members()
        .select_for_update()
        .filter(community=community)
        .exclude(user_id=leaving_pk)
        .order_by("decided_at", "requested_at", "pk")
        .first()
    )
    if successor is None:
        return None
    successor.is_referent = True
    successor.save(update_fields=["is_referent"])
    _history(
        community,
        HistoryEntry.Kind.REFERENT_GRANTED,
        person=successor.user,
        actor=actor,
        automatic=True,
    )
    transaction.on_commit(
        lambda: notify.referent_changed(successor.pk, "granted_automatically"), robust=True
    )
    return successor


def _end_membership(
    community: Community, membership: Membership, *, status: str, actor, kind: str
) -> bool:
    """End ``membership``; returns True when the community was deleted (no member left)."""
    others = Membership.objects.members().filter(community=community).exclude(pk=membership.pk)
    if not others.exists():
        community_delete(community)
        return True
    was_referent = membership.is_referent
    membership.status = status
    membership.is_referent = False
    membership.show_photo_publicly = False
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "is_referent", "show_photo_publicly", "ended_at"])
    _history(community, kind, person=membership.user, actor=actor)
    if was_referent and not others.filter(is_referent=True).exists():
        _promote_successor(community, leaving_pk=membership.user_id, actor=actor)
    return False


@transaction.atomic
def membership_leave(*, user) -> bool:
    """Leave one's community (CTY-6). The last référent hands the role over first.

    Returns True when leaving deleted the community (its last member left).
    """
    current = Membership.objects.filter(user=user, status=Membership.Status.MEMBER).first()
    if current is None:
        raise ValidationError(_("You are not a member of a community."))
    community = _lock(current.community)
    membership = _membership(community, user)
    others = Membership.objects.members().filter(community=community).exclude(pk=membership.pk)
    if membership.is_referent and others.exists() and not others.filter(is_referent=True).exists():
        raise ValidationError(
            _(
                "You are the only référent: give the role to another member before leaving, "
                "so that the community keeps one."
            )
        )
    return _end_membership(
        community,
        membership,
        status=Membership.Status.LEFT,
        actor=user,
        kind=HistoryEntry.Kind.LEFT,
    )


# --- référents (CTY-7) ----------------------------------------------------------------------


def _target(community: Community, user) -> Membership:
    membership = _membership(community, user)
    if membership is None:
        raise ValidationError({"member": _("This person is not a member of the community.")})
    return membership


@transaction.atomic
def referent_grant(*, by, community: Community, user) -> Membership:
    community = _lock(community)
    _require_referent(by, community)
    target = _target(community, user)
    if target.is_referent:
        return target
    target.is_referent = True
    target.save(update_fields=["is_referent"])
    _history(community, HistoryEntry.Kind.REFERENT_GRANTED, person=target.user, actor=by)
    transaction.on_commit(lambda: notify.referent_changed(target.pk, "granted"), robust=True)
    return target


@transaction.atomic
def referent_transfer(*, by, community: Community, user) -> Membership:
    """Hand one's role over to another member: they become référent, one stops being one."""
    community = _lock(community)
    own = _require_referent(by, community)
    target = _target(community, user)
    if target.pk == own.pk:
        raise ValidationError({"member": _("Choose another member.")})
    target.is_referent = True
    target.save(update_fields=["is_referent"])
    own.is_referent = False
    own.show_photo_publicly = False
    own.save(update_fields=["is_referent", "show_photo_publicly"])
    _history(community, HistoryEntry.Kind.REFERENT_TRANSFERRED, person=target.user, actor=by)
    transaction.on_commit(lambda: notify.referent_changed(target.pk, "transferred"), robust=True)
    return target


@transaction.atomic
def referent_give_up(*, by, community: Community) -> Membership:
    community = _lock(community)
    own = _require_referent(by, community)
    if not (Membership.objects.referents().filter(community=community).exclude(pk=own.pk).exists()):
        raise ValidationError(
            _(
                "You are the only référent: hand the role over to another member instead, "
                "so that the community keeps one."
            )
        )
    own.is_referent = False
    own.show_photo_publicly = False
    own.save(update_fields=["is_referent", "show_photo_publicly"])
    _history(community, HistoryEntry.Kind.REFERENT_GAVE_UP, person=by, actor=by)
    return own


@transaction.atomic
def referent_remove(*, by, community: Community, user) -> Membership:
    """A référent removes the role from another référent (never the last one)."""
    community = _lock(community)
    own = _require_referent(by, community)
    target = _target(community, user)
    if target.pk == own.pk:
        raise ValidationError({"member": _("To stop being référent yourself, give the role up.")})
    if not target.is_referent:
        raise ValidationError({"member": _("This member is not a référent.")})
    target.is_referent = False
    target.show_photo_publicly = False
    target.save(update_fields=["is_referent", "show_photo_publicly"])
    _history(community, HistoryEntry.Kind.REFERENT_REMOVED, person=target.user, actor=by)
    transaction.on_commit(lambda: notify.referent_changed(target.pk, "removed"), robust=True)
    return target


# --- exclusion (CTY-8) -------------------------------------------------------------------


@transaction.atomic
def exclusion_request(*, by, community: Community, member, reason: str) -> Exclusion:
    community = _lock(community)
    _require_referent(by, community)
    reason = _clean_reason(reason, required=True)
    if member.pk == by.pk:
        raise ValidationError(
            {"member": _("You cannot ask for your own exclusion: leave instead.")}
        )
    _target(community, member)
    if Exclusion.objects.filter(
        community=community, member=member, status=Exclusion.Status.REQUESTED
    ).exists():
        raise ValidationError({"member": _("An exclusion of this member is already requested.")})
    exclusion = Exclusion.objects.create(
        community=community, member=member, requested_by=by, reason=reason
    )
    transaction.on_commit(lambda: notify.exclusion_requested(exclusion.pk), robust=True)
    return exclusion


@transaction.atomic
def exclusion_decide(*, by, exclusion: Exclusion, execute: bool, note: str = "") -> Exclusion:
    """Platform staff execute (the member leaves, is told) or reject the request."""
    _require_staff(by)
    community = _lock(exclusion.community)
    exclusion = Exclusion.objects.select_for_update().get(pk=exclusion.pk)
    if exclusion.status != Exclusion.Status.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    note = _clean_reason(note, required=False, field="staff_note")
    exclusion.decided_by = by
    exclusion.decided_at = timezone.now()
    exclusion.staff_note = note
    deleted = False
    if execute:
        membership = _membership(community, exclusion.member)
        if membership is not None:
            deleted = _end_membership(
                community,
                membership,
                status=Membership.Status.EXCLUDED,
                actor=by,
                kind=HistoryEntry.Kind.EXCLUDED,
            )
        exclusion.status = Exclusion.Status.EXECUTED
    else:
        exclusion.status = Exclusion.Status.REJECTED
    if not deleted:
        exclusion.save(update_fields=["status", "decided_by", "decided_at", "staff_note"])
    transaction.on_commit(
        lambda: notify.exclusion_decided(
            member_pk=exclusion.member_id,
            requested_by_pk=exclusion.requested_by_id,
            community_name=community.name,
            commune_pk=community.commune_id,
            executed=execute,
            reason=exclusion.reason,
        ),
        robust=True,
    )
    return exclusion


@transaction.atomic
def exclusion_lift(*, by, exclusion: Exclusion) -> Exclusion:
    """Let an excluded person ask to join this community again."""
    _require_staff(by)
    exclusion = Exclusion.objects.select_for_update().get(pk=exclusion.pk)
    if exclusion.status != Exclusion.Status.EXECUTED or exclusion.lifted_at:
        raise ValidationError(_("Only an executed exclusion can be lifted."))
    exclusion.lifted_at = timezone.now()
    exclusion.save(update_fields=["lifted_at"])
    return exclusion


# --- invitations (CTY-10) ------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"c": invitation.community_id, "i": invitation.pk}, salt=INVITATION_SALT)


def invitation_community(token: str) -> Community | None:
    """The community of a signed invitation link, or None when expired or tampered."""
    try:
        data = signing.loads(
            token, salt=INVITATION_SALT, max_age=settings.COMMUNITY_INVITATION_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return Community.objects.select_related("commune").filter(pk=data.get("c")).first()


@transaction.atomic
def invitation_send(*, by, community: Community, channel: str, recipient: str) -> Invitation:
    """A member invites a neighbour by email or SMS; nobody is registered by it."""
    if _membership(community, by, lock=False) is None:
        raise PermissionDenied(_("Only members invite neighbours to their community."))
    recipient = (recipient or "").strip()
    if channel == Invitation.Channel.EMAIL:
        from django.core.validators import validate_email

        try:
            validate_email(recipient)
        except ValidationError as exc:
            raise ValidationError({"recipient": _("Enter a valid email address.")}) from exc
        key = "email:" + recipient.lower()
    elif channel == Invitation.Channel.SMS:
        region = {"FR": "FR", "CI": "CI"}.get(community.commune.country)
        e164 = normalise_phone(recipient, region)
        if e164 is None:
            raise ValidationError({"recipient": _("Enter a valid mobile number.")})
        recipient = e164
        key = "sms:" + e164
    else:
        raise ValidationError({"channel": _("Choose email or SMS.")})
    # Count under a lock on the sender's row so parallel requests cannot pass the limit.
    get_user_model().objects.select_for_update().filter(pk=by.pk).first()
    since = timezone.now() - timezone.timedelta(days=1)
    recent = Invitation.objects.filter(sender=by, sent_at__gte=since)
    limit = settings.COMMUNITY_INVITATIONS_PER_DAY
    if recent.count() >= limit:
        raise ValidationError(
            _("You have sent %(count)s invitations in the last 24 hours: try again tomorrow.")
            % {"count": limit}
        )
    index = blind_index(key)
    if recent.filter(recipient_index=index).exists():
        raise ValidationError({"recipient": _("You already invited this person today.")})
    invitation = Invitation.objects.create(
        community=community, sender=by, channel=channel, recipient_index=index
    )
    transaction.on_commit(
        lambda: notify.invitation(invitation.pk, recipient=recipient), robust=True
    )
    return invitation


def invitation_url(invitation: Invitation) -> str:
    from communes.services import commune_url

    return commune_url(
        invitation.community.commune,
        reverse("communities:invitation", args=[invitation_token(invitation)]),
    )


# --- merge (CTY-12) -------------------------------------------------------------------------


@transaction.atomic
def merge_propose(
    *, by, community: Community, other: Community, keep: str = "other"
) -> MergeProposal:
    """A référent proposes to merge two neighbouring communities; their side agrees at once."""
    community = _lock(community)
    _require_referent(by, community)
    if other.pk == community.pk:
        raise ValidationError({"other": _("Choose another community.")})
    if other.commune_id != community.commune_id:
        raise ValidationError({"other": _("Only communities of the same commune can merge.")})
    absorbed, kept = (community, other) if keep == "other" else (other, community)
    if MergeProposal.objects.filter(
        status__in=[MergeProposal.Status.OPEN, MergeProposal.Status.AGREED],
        absorbed__in=[community, other],
        kept__in=[community, other],
    ).exists():
        raise ValidationError({"other": _("A merge of these communities is already proposed.")})
    proposal = MergeProposal.objects.create(
        absorbed=absorbed,
        kept=kept,
        absorbed_name=absorbed.name,
        proposed_by=by,
        absorbed_agreed_by=by if absorbed.pk == community.pk else None,
        kept_agreed_by=by if kept.pk == community.pk else None,
    )
    return proposal


@transaction.atomic
def merge_agree(*, by, proposal: MergeProposal) -> MergeProposal:
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != MergeProposal.Status.OPEN:
        raise ValidationError(_("This proposal is no longer open."))
    if proposal.absorbed_agreed_by_id is None and _is_referent(by, proposal.absorbed):
        proposal.absorbed_agreed_by = by
    elif proposal.kept_agreed_by_id is None and _is_referent(by, proposal.kept):
        proposal.kept_agreed_by = by
    else:
        raise PermissionDenied(_("A référent of the other community must agree."))
    if proposal.absorbed_agreed_by_id and proposal.kept_agreed_by_id:
        proposal.status = MergeProposal.Status.AGREED
        transaction.on_commit(lambda: notify.merge_agreed(proposal.pk), robust=True)
    proposal.save()
    return proposal


def _is_referent(user, community: Community | None) -> bool:
    return (
        community is not None
        and is_open_account(user)
        and (Membership.objects.referents().filter(community=community, user=user).exists())
    )


@transaction.atomic
def merge_cancel(*, by, proposal: MergeProposal) -> MergeProposal:
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in (MergeProposal.Status.OPEN, MergeProposal.Status.AGREED):
        raise ValidationError(_("This proposal is no longer open."))
    if not (
        is_platform_staff(by)
        or _is_referent(by, proposal.absorbed)
        or _is_referent(by, proposal.kept)
    ):
        raise PermissionDenied(_("Only a référent of either community can cancel."))
    proposal.status = MergeProposal.Status.CANCELLED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


@transaction.atomic
def merge_execute(*, by, proposal: MergeProposal) -> Community:
    """Platform staff merge: members, history and content move; the boundary is the union."""
    _require_staff(by)
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != MergeProposal.Status.AGREED or proposal.absorbed is None:
        raise ValidationError(_("Both communities' référents must agree first."))
    # Lock both rows in a fixed order: two opposite merges cannot deadlock.
    locked = {
        c.pk: c
        for c in Community.objects.select_for_update()
        .select_related("commune")
        .filter(pk__in=[proposal.kept_id, proposal.absorbed_id])
        .order_by("pk")
    }
    kept, absorbed = locked[proposal.kept_id], locked[proposal.absorbed_id]
    union = kept.area.union(absorbed.area)
    if union.geom_type != "Polygon":
        raise ValidationError(
            {
                "area": _(
                    "These communities do not share a border: redraw one of them so that "
                    "they touch, then merge."
                )
            }
        )
    union.srid = kept.area.srid
    area_m2 = check_polygon(union, cap_lifted=kept.area_cap_lifted or absorbed.area_cap_lifted)
    Membership.objects.filter(community=absorbed).update(community=kept)
    HistoryEntry.objects.filter(community=absorbed).update(community=kept)
    Exclusion.objects.filter(community=absorbed).update(community=kept)
    Invitation.objects.filter(community=absorbed).update(community=kept)
    community_merged.send(sender=Community, absorbed=absorbed, kept=kept)
    for module in registry:  # installed modules, on or off: their rows must not cascade
        if module.community_merge is not None:
            import_string(module.community_merge)(absorbed=absorbed, kept=kept)
    kept.area = union
    kept.area_m2 = area_m2
    kept.area_cap_lifted = kept.area_cap_lifted or absorbed.area_cap_lifted
    kept.save(update_fields=["area", "area_m2", "area_cap_lifted"])
    _history(kept, HistoryEntry.Kind.MERGED, actor=by, absorbed=proposal.absorbed_name)
    proposal.status = MergeProposal.Status.EXECUTED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    MergeProposal.objects.filter(absorbed=absorbed).exclude(pk=proposal.pk).update(
        status=MergeProposal.Status.CANCELLED
    )
    for page in CommunityPage.objects.filter(community=absorbed):
        page.delete()
    absorbed.delete()
    showcase_page_sync(kept)
    return kept


# --- accounts (ACC-7, ACC-12) -----------------------------------------------------------------


def check_home_inside_community(user, location) -> None:
    """ACC-7: a member's home point moves inside the community's boundary only."""
    if location is None or getattr(user, "pk", None) is None:
        return
    membership = (
        Membership.objects.filter(user=user, status=Membership.Status.MEMBER)
        .select_related("community")
        .first()
    )
    if membership is not None and not membership.community.area.contains(location):
        raise ValidationError(
            {
                "address": _(
                    "Your home must stay inside your community “%(name)s”. To move elsewhere, "
                    "leave the community first."
                )
                % {"name": membership.community.name}
            }
        )


def on_account_closed(sender, user_id: int, **kwargs) -> None:
    """ACC-12: the member leaves; the last member closing their account deletes the community."""
    Membership.objects.filter(user_id=user_id, status=Membership.Status.PENDING).update(
        status=Membership.Status.WITHDRAWN, ended_at=timezone.now()
    )
    membership = Membership.objects.filter(user_id=user_id, status=Membership.Status.MEMBER).first()
    if membership is None:
        return
    community = _lock(membership.community)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _end_membership(
        community,
        membership,
        status=Membership.Status.LEFT,
        actor=None,
        kind=HistoryEntry.Kind.LEFT,
    )


def personal_data(sender, user, **kwargs):
    """ACC-13 export: the person's memberships and the invitations they sent (counts)."""
    memberships = [
        {
            "community": m.community.name,
            "commune": m.community.commune.name,
            "status": m.status,
            "referent": m.is_referent,
            "requested_at": m.requested_at,
            "decided_at": m.decided_at,
            "ended_at": m.ended_at,
            "refusal_reason": m.refusal_reason,
        }
        for m in Membership.objects.filter(user=user).select_related(
            "community", "community__commune"
        )
    ]
    if not memberships:
        return None
    return (
        "communities",
        {
            "memberships": memberships,
            "invitations_sent": Invitation.objects.filter(sender=user).count(),
        },
    )
