"""The town hall's decisions on suggestions and its list of categories (SUG-1, SUG-2).

Rules:

* Only staff who manage the commune's suggestions act
  (``selectors.can_manage_suggestions``); anyone else gets ``PermissionDenied``.
* A waiting proposal is accepted (published: every validated resident is told, the author
  too), unless moderation holds it (hidden), or refused with an optional reason, kept on
  the row and sent to its author only.
  A decision is final: a published suggestion is followed up with statuses, never refused.
* Acceptance writes the first step of the public history ("Publiée", without a note).
* A public suggestion is marked under study, retained, carried out or not retained with a
  public note; the note is required for the two final statuses (carried out, not
  retained), which also close voting. The same status again is allowed with a new note
  (a news update). Its followers are told.
* Staff may close voting on a public suggestion at any time; it stays closed.
* Categories: a name unique in the commune, a position (the order residents see);
  retired (``active`` off) rather than deleted; deleted only while no suggestion uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from accounts.selectors import is_open_account
from conversations.services import clean_text
from modules.suggestions import notify
from modules.suggestions.models import (
    CATEGORY_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Category,
    StatusChange,
    Suggestion,
)
from modules.suggestions.selectors import can_manage_suggestions

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

Status = Suggestion.Status

# What staff may mark a public suggestion with (PUBLISHED is set by acceptance only).
FOLLOW_UP_STATUSES = (
    Status.UNDER_STUDY,
    Status.RETAINED,
    Status.DONE,
    Status.NOT_RETAINED,
)


def _check_manager(by: User, commune: Commune) -> None:
    if not is_open_account(by) or not can_manage_suggestions(by, commune):
        raise PermissionDenied(_("Only the town hall's staff decide on suggestions."))


def _locked(suggestion: Suggestion) -> Suggestion:
    return (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("commune", "category")
        .get(pk=suggestion.pk)
    )


def _optional_text(value: object, *, field: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return clean_text(value, field=field, max_length=NOTE_MAX_LENGTH, empty="")


# --- decisions on proposals ------------------------------------------------------------


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, by: User) -> Suggestion:
    """Publish a waiting proposal: its author and every validated resident are told."""
    _check_manager(by, suggestion.commune)
    suggestion = _locked(suggestion)
    if suggestion.status != Status.PROPOSED:
        raise ValidationError({"status": [_("The town hall has already decided on it.")]})
    if suggestion.hidden_at is not None:
        raise ValidationError(
            {"status": [_("Moderation holds this suggestion: it cannot be published now.")]}
        )
    now = timezone.now()
    suggestion.status = Status.PUBLISHED
    suggestion.decided_by = by
    suggestion.decided_at = now
    suggestion.published_at = now
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "published_at"])
    StatusChange.objects.create(
        suggestion=suggestion, status=Status.PUBLISHED, by=by, created_at=now
    )
    log(instance=suggestion, action="suggestions.accept", user=by)
    notify.decided(suggestion)
    notify.published(suggestion)
    return suggestion


@transaction.atomic
def suggestion_refuse(*, suggestion: Suggestion, by: User, reason: str = "") -> Suggestion:
    """Refuse a waiting proposal; the optional reason is sent to its author only."""
    _check_manager(by, suggestion.commune)
    reason = _optional_text(reason, field="reason")
    suggestion = _locked(suggestion)
    if suggestion.status != Status.PROPOSED:
        raise ValidationError({"status": [_("The town hall has already decided on it.")]})
    suggestion.status = Status.REFUSED
    suggestion.refusal_reason = reason
    suggestion.decided_by = by
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    log(instance=suggestion, action="suggestions.refuse", user=by, data={"reason": reason})
    notify.decided(suggestion)
    return suggestion


# --- follow-up of public suggestions ---------------------------------------------------


@transaction.atomic
def status_set(*, suggestion: Suggestion, by: User, status: str, note: str) -> StatusChange:
    """Mark a public suggestion with a follow-up status and a public note."""
    _check_manager(by, suggestion.commune)
    if status not in FOLLOW_UP_STATUSES:
        raise ValidationError({"status": [_("Choose a status of the follow-up.")]})
    note = _optional_text(note, field="note")
    suggestion = _locked(suggestion)
    if not suggestion.is_public:
        raise ValidationError({"status": [_("Only a published suggestion is followed up.")]})
    if status in Suggestion.FINAL_STATUSES and not note:
        raise ValidationError({"note": [_("Explain the decision to the residents in a note.")]})
    if status == suggestion.status and not note:
        raise ValidationError(
            {"note": [_("The suggestion already has this status: write what is new.")]}
        )
    now = timezone.now()
    suggestion.status = status
    fields = ["status"]
    if status in Suggestion.FINAL_STATUSES and suggestion.voting_closed_at is None:
        suggestion.voting_closed_at = now
        fields.append("voting_closed_at")
    suggestion.save(update_fields=fields)
    change = StatusChange.objects.create(
        suggestion=suggestion, status=status, note=note, by=by, created_at=now
    )
    log(
        instance=suggestion,
        action="suggestions.status",
        user=by,
        data={"status": status, "note": note},
    )
    notify.status_changed(suggestion, change)
    return change


@transaction.atomic
def voting_close(*, suggestion: Suggestion, by: User) -> Suggestion:
    """Close voting on a public suggestion: the totals stay as they are."""
    _check_manager(by, suggestion.commune)
    suggestion = _locked(suggestion)
    if not suggestion.is_public:
        raise ValidationError({"status": [_("Only a published suggestion is voted on.")]})
    if suggestion.voting_closed_at is not None:
        raise ValidationError({"status": [_("Voting is already closed.")]})
    suggestion.voting_closed_at = timezone.now()
    suggestion.save(update_fields=["voting_closed_at"])
    log(instance=suggestion, action="suggestions.close_voting", user=by)
    return suggestion


# --- categories ------------------------------------------------------------------------


def _clean_name(name: object) -> str:
    return clean_text(
        name,
        field="name",
        max_length=CATEGORY_MAX_LENGTH,
        empty=_("Name the category."),
    )


def _clean_position(position: object) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 32767:
        raise ValidationError({"position": [_("Enter a position between 0 and 32767.")]})
    return position


def _save_category(category: Category, fields: list[str] | None = None) -> Category:
    taken = Category.objects.filter(commune_id=category.commune_id, name__iexact=category.name)
    if category.pk:
        taken = taken.exclude(pk=category.pk)
    if taken.exists():
        raise ValidationError({"name": [_("The commune already has a category of this name.")]})
    try:
        with transaction.atomic():
            category.save(update_fields=fields) if fields else category.save()
    except IntegrityError as error:  # the same name, created concurrently
        raise ValidationError(
            {"name": [_("The commune already has a category of this name.")]}
        ) from error
    return category


@transaction.atomic
def category_create(
    *, commune: Commune, by: User, name: str, position: int | None = None, active: bool = True
) -> Category:
    """A new category, last of the list unless ``position`` is given."""
    _check_manager(by, commune)
    name = _clean_name(name)
    if position is None:
        last = Category.objects.filter(commune=commune).order_by("-position").first()
        position = min(last.position + 1, 32767) if last else 0
    category = Category(
        commune=commune, name=name, position=_clean_position(position), active=bool(active)
    )
    return _save_category(category)


@transaction.atomic
def category_update(
    *,
    category: Category,
    by: User,
    name: str | None = None,
    position: int | None = None,
    active: bool | None = None,
) -> Category:
    """Rename, move or retire (``active=False``) a category; its suggestions keep it."""
    _check_manager(by, category.commune)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if name is not None:
        category.name = _clean_name(name)
    if position is not None:
        category.position = _clean_position(position)
    if active is not None:
        category.active = bool(active)
    return _save_category(category, ["name", "position", "active"])


@transaction.atomic
def category_delete(*, category: Category, by: User) -> None:
    """Delete a category no suggestion uses (otherwise retire it)."""
    _check_manager(by, category.commune)
    if category.suggestions.exists():
        raise ValidationError(
            {"category": [_("Suggestions use this category: retire it instead.")]}
        )
    category.delete()
