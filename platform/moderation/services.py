"""Reporting, deciding, appealing, suspending (CNT-5).

* :func:`report`: someone who can see an item (or a person) reports it once, with a
  reason; reports of one item join its open :class:`Case`. When
  ``MODERATION_AUTO_HIDE_REPORTERS`` (default 3) distinct validated residents reported
  it, the item is hidden pending review and its author is told.
* :func:`decide`: a moderator keeps (the reports are dismissed; an item hidden pending
  review shows again), hides, warns the author (the item is hidden too, and the author
  gets the reason), excludes the author from the community (platform staff, the CTY-8
  path) or suspends the account (platform staff: login refused, everything they wrote
  hidden, reversible with :func:`lift_suspension`). Every decision is a
  :class:`Decision` row and a Wagtail log entry; reporters are told the outcome.
* :func:`appeal`: the author of a hidden item, a warning, an exclusion or a suspension
  appeals once; the case returns to the queue for another moderator.
* :func:`hold`: abuse control (``core.abuse``) held an item for review.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from accounts.staff import is_platform_staff
from communes.models import Follow
from communities.models import Membership
from communities.services import exclusion_by_moderation
from core import abuse
from core.abuse import RateLimited  # noqa: F401  (callers catch moderation.services.RateLimited)
from core.access import is_open_account
from moderation import items, notify
from moderation.models import (
    APPEALABLE,
    CONTENT_REASONS,
    PERSON_REASONS,
    TEXT_MAX_LENGTH,
    Action,
    Case,
    Decision,
    Reason,
    Report,
    Suspension,
)
from moderation.selectors import can_moderate, may_decide_appeal

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_AUTO_HIDE_REPORTERS = 3
DEFAULT_REPORTS_PER_HOUR = 20
NOTE_MAX_LENGTH = 2000
#: What town-hall staff may decide on their spaces; the rest is the platform's.
TOWN_HALL_ACTIONS = frozenset({Action.KEEP, Action.HIDE, Action.WARN})
BULK_ACTIONS = frozenset({Action.KEEP, Action.HIDE})


def auto_hide_reporters() -> int:
    return int(getattr(settings, "MODERATION_AUTO_HIDE_REPORTERS", DEFAULT_AUTO_HIDE_REPORTERS))


def _clean(
    value: Any,
    *,
    field: str,
    required: bool,
    max_length: int = TEXT_MAX_LENGTH,
    missing: str = "",
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: [_("Enter a text.")]})
    if "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise ValidationError({field: [_("Remove the invalid characters.")]})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: [missing or _("Write a few words here.")]})
    if len(value) > max_length:
        raise ValidationError(
            {field: [_("Write at most %(max)s characters.") % {"max": max_length}]}
        )
    return str(value)


def _check_report_rate(reporter: User, now: datetime) -> None:
    """Reports per hour, counted and worded by abuse control like every other write."""
    abuse.check(
        reporter,
        "report",
        recent=Report.objects.filter(reporter=reporter),
        per_hour=int(getattr(settings, "MODERATION_REPORTS_PER_HOUR", DEFAULT_REPORTS_PER_HOUR)),
        trusted=True,
        now=now,
    )


# --- reporting -----------------------------------------------------------------------


@transaction.atomic
def report(
    *,
    reporter: User,
    kind: str,
    object_id: Any,
    reason: str,
    text: str = "",
    impersonated_name: str = "",
) -> Report:
    """``reporter`` reports item ``object_id`` of ``kind`` (or a person, ``PERSON_KIND``).

    Http404 for an item they cannot see (as for a missing one); ValidationError for their
    own content, a second report of the same item, a reason that does not fit.
    """
    if not is_open_account(reporter):
        raise Http404
    item = items.load(kind, object_id)
    person = item.kind is None
    if item.author_id == reporter.pk:
        raise ValidationError(
            {
                "object_id": [
                    _("You cannot report yourself.")
                    if person
                    else _("You cannot report your own content.")
                ]
            }
        )
    if not items.can_see(reporter, item):
        raise Http404
    allowed = PERSON_REASONS if person else CONTENT_REASONS
    if reason not in allowed:
        raise ValidationError({"reason": [_("Choose a reason from the list.")]})
    text = _clean(
        text,
        field="text",
        required=reason == Reason.OTHER,
        missing=_("Say in a few words what is wrong."),
    )
    impersonated_name = _clean(
        impersonated_name,
        field="impersonated_name",
        required=reason == Reason.IMPERSONATION,
        max_length=150,
        missing=_("Give the name this account pretends to be."),
    )
    if reason != Reason.IMPERSONATION:
        impersonated_name = ""
    if Report.objects.filter(
        reporter=reporter, case__kind=item.key, case__object_id=item.instance.pk
    ).exists():
        raise ValidationError({"object_id": [_("You already reported this.")]})
    now = timezone.now()
    _check_report_rate(reporter, now)
    case = _open_case(item, now)
    try:
        with transaction.atomic():
            row = Report.objects.create(
                case=case,
                reporter=reporter,
                reason=reason,
                text=text,
                impersonated_name=impersonated_name,
                created_at=now,
            )
    except IntegrityError:  # the same person, twice at once
        raise ValidationError({"object_id": [_("You already reported this.")]}) from None
    Case.objects.filter(pk=case.pk).update(report_count=F("report_count") + 1, last_reported_at=now)
    case.refresh_from_db()
    if not person:
        _maybe_auto_hide(case, item, now)
    return row


def _open_case(item: items.Item, now: datetime) -> Case:
    """The open case of ``item``, locked; created when there is none."""
    key, object_id = item.key, item.instance.pk
    for _attempt in range(2):
        case = (
            Case.objects.select_for_update().waiting().filter(kind=key, object_id=object_id).first()
        )
        if case is not None:
            case.excerpt = item.excerpt
            case.save(update_fields=["excerpt"])
            return case  # type: ignore[no-any-return]  # select_for_update loses the type
        try:
            with transaction.atomic():
                return Case.objects.create(
                    kind=key,
                    object_id=object_id,
                    commune_id=item.commune_id,
                    community_id=item.community_id,
                    town_hall=item.town_hall and item.commune_id is not None,
                    author_id=item.author_id,
                    excerpt=item.excerpt,
                    link=item.link,
                    opened_at=now,
                    last_reported_at=now,
                )
        except IntegrityError:  # opened concurrently: join it
            continue
    raise ValidationError(_("Try again in a moment."))


def validated_reporters(case: Case) -> int:
    """Distinct reporters of ``case`` who are validated residents (of its commune when it
    has one): throwaway accounts cannot hide someone's content."""
    follows = Follow.objects.filter(status=Follow.Status.VALIDATED)
    if case.commune_id is not None:
        follows = follows.filter(commune_id=case.commune_id)
    return (
        case.reports.filter(reporter__in=follows.values("user_id"))
        .values("reporter_id")
        .distinct()
        .count()
    )


def _maybe_auto_hide(case: Case, item: items.Item, now: datetime) -> None:
    if case.auto_hidden_at is not None or getattr(item.instance, "hidden_at", None) is not None:
        return
    if validated_reporters(case) < auto_hide_reporters():
        return
    items.set_hidden(case.kind, case.object_id, now)
    case.auto_hidden_at = now
    case.save(update_fields=["auto_hidden_at"])
    log(
        instance=case, action="moderation.auto_hide", user=None, data={"reports": case.report_count}
    )
    transaction.on_commit(lambda: notify.hidden_pending(case.pk), robust=True)


def hold(*, kind: str, instance: Any, reason: str = Case.Source.REPEATED_TEXT) -> Case | None:
    """Abuse control held ``instance`` (saved hidden): it waits in the queue."""
    kind_def = items.kind_of(kind)
    item = items.wrap(kind_def, instance)
    now = timezone.now()
    with transaction.atomic():
        case = _open_case(item, now)
        if case.report_count == 0:
            case.source = reason
        case.auto_hidden_at = case.auto_hidden_at or getattr(instance, "hidden_at", None) or now
        case.save(update_fields=["source", "auto_hidden_at"])
    return case


# --- decisions -----------------------------------------------------------------------


def _require(by: User, case: Case, action: str) -> None:
    if not can_moderate(by, case):
        raise Http404
    if not case.is_waiting:
        raise ValidationError(_("This case has already been decided."))
    if not may_decide_appeal(by, case):
        raise PermissionDenied(_("Another moderator must decide on the appeal."))
    if action not in Action.values:
        raise ValidationError({"action": [_("Choose a decision from the list.")]})
    if action not in TOWN_HALL_ACTIONS and not is_platform_staff(by):
        raise PermissionDenied(_("Only the platform's moderators can exclude or suspend."))
    if case.is_person and action == Action.HIDE:
        raise ValidationError({"action": [_("A person cannot be hidden: warn or suspend.")]})
    if action in (Action.WARN, Action.EXCLUDE, Action.SUSPEND) and case.author_id is None:
        raise ValidationError({"action": [_("This content has no author any more.")]})


@transaction.atomic
def decide(*, by: User, case: Case, action: str, note: str = "") -> Case:
    """Decide a waiting case (see the module docstring)."""
    # "of self": the author and the community are outer joins, which cannot be locked.
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("author", "community")
        .get(pk=case.pk)
    )
    _require(by, case, action)
    note = _clean(
        note,
        field="note",
        required=action != Action.KEEP,
        max_length=NOTE_MAX_LENGTH,
        missing=_("Write the note the author will read."),
    )
    now = timezone.now()
    on_appeal = case.status == Case.Status.APPEALED
    if action == Action.KEEP:
        if case.auto_hidden_at is not None or on_appeal:
            items.set_hidden(case.kind, case.object_id, None)
        if on_appeal and case.decision == Action.SUSPEND and case.author_id:
            _lift(case.author_id, by=by, now=now)
    elif action in (Action.HIDE, Action.WARN, Action.EXCLUDE, Action.SUSPEND):
        _hide_item(case, now)
    if action == Action.EXCLUDE:
        _exclude(by, case, note)
    if action == Action.SUSPEND and case.author_id and not _suspended(case.author_id):
        # The suspension stamps what it hides a microsecond later than the reported item:
        # lifting it shows the rest again, while the item stays hidden (the decision).
        suspend(
            by=by,
            user_id=case.author_id,
            reason=note,
            case=case,
            now=now + timedelta(microseconds=1),
        )
    case.status = Case.Status.CLOSED if on_appeal else Case.Status.DECIDED
    case.decision = action
    case.decided_by = by
    case.decided_at = now
    case.decision_note = note
    case.save(update_fields=["status", "decision", "decided_by", "decided_at", "decision_note"])
    Decision.objects.create(
        case=case, action=action, by=by, note=note, on_appeal=on_appeal, created_at=now
    )
    log(
        instance=case,
        action=f"moderation.{action}",
        user=by,
        data={"note": note, "appeal": on_appeal},
    )
    transaction.on_commit(lambda: notify.decided(case.pk, on_appeal=on_appeal), robust=True)
    return case


def _hide_item(case: Case, now: datetime) -> None:
    if case.is_person:
        return
    kind = items.kind_of(case.kind)
    items.model_of(kind).objects.filter(pk=case.object_id, hidden_at__isnull=True).update(
        hidden_at=now
    )


def _exclude(by: User, case: Case, note: str) -> None:
    community = case.community
    if community is None and case.author_id is not None:
        membership = (
            Membership.objects.members()
            .filter(user_id=case.author_id)
            .select_related("community")
            .first()
        )
        community = membership.community if membership else None
    if community is None or case.author is None:
        raise ValidationError({"action": [_("The author is not a member of a community.")]})
    exclusion_by_moderation(by=by, community=community, member=case.author, reason=note)


def _suspended(user_id: int) -> bool:
    return Suspension.objects.filter(user_id=user_id, lifted_at__isnull=True).exists()


def suspend(
    *, by: User, user_id: int, reason: str, case: Case | None = None, now: datetime | None = None
) -> Suspension:
    """Suspend an account: login refused, sessions and tokens dead, content hidden."""
    from accounts.models import User as UserModel

    if not is_platform_staff(by):
        raise PermissionDenied(_("Only the platform's moderators can exclude or suspend."))
    now = now or timezone.now()
    suspension = Suspension.objects.create(
        user_id=user_id, case=case, reason=reason, by=by, hidden_at=now, created_at=now
    )
    items.hide_all_of(user_id, now)
    UserModel.objects.filter(pk=user_id).update(suspended_at=now)
    log(instance=suspension, action="moderation.suspend", user=by, data={"note": reason})
    return suspension


def _lift(user_id: int, *, by: User, now: datetime) -> Suspension | None:
    from accounts.models import User as UserModel

    suspension = (
        Suspension.objects.select_for_update()
        .filter(user_id=user_id, lifted_at__isnull=True)
        .first()
    )
    if suspension is None:
        return None
    items.show_all_of(user_id, suspension.hidden_at)
    suspension.lifted_at = now
    suspension.lifted_by = by
    suspension.save(update_fields=["lifted_at", "lifted_by"])
    UserModel.objects.filter(pk=user_id).update(suspended_at=None)
    log(instance=suspension, action="moderation.lift", user=by)
    return suspension


@transaction.atomic
def lift_suspension(*, by: User, suspension: Suspension) -> Suspension:
    """Platform staff lift a suspension: login works again, what it hid shows again."""
    if not is_platform_staff(by):
        raise PermissionDenied(_("Only the platform's moderators can exclude or suspend."))
    if suspension.lifted_at is not None:
        raise ValidationError(_("This suspension has already been lifted."))
    lifted = _lift(suspension.user_id, by=by, now=timezone.now())
    return lifted or suspension


def decide_many(*, by: User, cases: Iterable[Case], action: str, note: str = "") -> tuple[int, int]:
    """Keep or hide many waiting cases at once: (decided, skipped). Each is its own
    transaction, so one case decided meanwhile by someone else skips alone."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": [_("Many cases at once can only be kept or hidden.")]})
    decided = skipped = 0
    for case in cases:
        try:
            decide(by=by, case=case, action=action, note=note)
        except (ValidationError, PermissionDenied):
            skipped += 1
        else:
            decided += 1
    return decided, skipped


# --- appeals -------------------------------------------------------------------------


@transaction.atomic
def appeal(*, author: User, case: Case, text: str) -> Case:
    """The author contests a decision, once: the case waits again, for another moderator."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.author_id is None or case.author_id != author.pk or case.decision not in APPEALABLE:
        raise Http404
    if case.appealed_at is not None or case.status != Case.Status.DECIDED:
        raise ValidationError(_("You already appealed this decision."))
    case.appeal_text = _clean(
        text, field="text", required=True, missing=_("Say why you contest this decision.")
    )
    case.appealed_at = timezone.now()
    case.status = Case.Status.APPEALED
    case.reminded_at = None
    case.save(update_fields=["appeal_text", "appealed_at", "status", "reminded_at"])
    log(instance=case, action="moderation.appeal", user=author)
    return case
