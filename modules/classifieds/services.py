"""Writes on classifieds (CLS-1): publish, change, close, moderate, expire.

Every function is keyword-only and atomic; the site views, the API, the Wagtail
admin and the periodic task call these, never the ORM directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from accounts.selectors import is_open_account
from core import abuse
from core.modules import registry
from modules.classifieds.models import Classified
from modules.classifieds.selectors import can_change_classified, can_moderate_classified

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

MODULE_LABEL = "classifieds"
CLASSIFIED_KIND = "classifieds.classified"  # its ReportableKind (apps.py)
TEXT_FIELDS = ("title", "description", "contact")


def _forbidden_characters(value: str) -> bool:
    """NUL bytes and lone surrogates cannot be stored in PostgreSQL text."""
    return "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value)


def _clean_days(days: object) -> list[str]:
    maximum = settings.CLASSIFIEDS_MAX_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= maximum:
        return [
            _("Choose a duration between 1 and %(max)s days.") % {"max": maximum},
        ]
    return []


def _max_length(name: str) -> int:
    field = Classified._meta.get_field(name)
    assert isinstance(field, models.Field) and field.max_length is not None, name
    return field.max_length


def _validate(classified: Classified, *, extra_errors: dict[str, list[str]]) -> None:
    errors: dict[str, list[str]] = {name: list(msgs) for name, msgs in extra_errors.items()}
    for name in TEXT_FIELDS:
        value = getattr(classified, name)
        if not isinstance(value, str):
            errors.setdefault(name, []).append(_("Enter a text."))
        elif _forbidden_characters(value):
            errors.setdefault(name, []).append(_("Remove the invalid characters."))
        elif len(value) > _max_length(name):
            errors.setdefault(name, []).append(
                _("Write at most %(max)s characters.") % {"max": _max_length(name)}
            )
    try:
        classified.full_clean(
            exclude=["commune", "author", "created_at", "expires_at", "closed_at", *errors],
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _contact_errors(classified: Classified, author: User) -> dict[str, list[str]]:
    """The author may show their phone only if they gave one (the e-mail always exists)."""
    errors: dict[str, list[str]] = {}
    for name in ("show_phone", "show_email"):
        if not isinstance(getattr(classified, name), bool):
            errors[name] = [_("Choose yes or no.")]
    if classified.show_phone is True and not (author.mobile or author.landline):
        errors["show_phone"] = [
            _("Add a phone number to your profile first, or leave this box unticked.")
        ]
    return errors


def _require_resident(user: User) -> None:
    if not is_open_account(user):
        raise PermissionDenied(_("Log in to publish a classified."))


@transaction.atomic
def classified_create(
    *,
    commune: Commune,
    author: User,
    kind: str,
    title: str,
    description: str,
    contact: str = "",
    show_phone: bool = False,
    show_email: bool = False,
    days: int | None = None,
) -> Classified:
    """Publish a classified in ``commune``, open for ``days`` days (CLS-1).

    ``show_phone`` and ``show_email``: the author shows their own phone numbers and
    e-mail address to the readers of this classified (default: neither).
    """
    _require_resident(author)
    if days is None:
        days = settings.CLASSIFIEDS_DEFAULT_DAYS
    now = timezone.now()
    classified = Classified(
        commune=commune,
        author=author,
        kind=kind,
        title=title.strip() if isinstance(title, str) else title,
        description=description.strip() if isinstance(description, str) else description,
        contact=contact.strip() if isinstance(contact, str) else contact,
        show_phone=show_phone,
        show_email=show_email,
        status=Classified.Status.OPEN,
        created_at=now,
    )
    errors = _contact_errors(classified, author)
    if day_errors := _clean_days(days):
        errors["days"] = day_errors
    _validate(classified, extra_errors=errors)
    verdict = abuse.check(
        author,
        "classified",
        recent=Classified.objects.filter(author=author),
        text=f"{classified.title} {classified.description} {classified.contact}",
        text_fields=("title", "description", "contact"),
        field="description",
        now=now,
    )
    classified.expires_at = now + timedelta(days=days)
    classified.hidden_at = verdict.hidden_at(now)
    classified.save()
    log(instance=classified, action="wagtail.create", user=author)
    abuse.hold(verdict, kind=CLASSIFIED_KIND, instance=classified)
    return classified


EDITABLE_FIELDS = ("kind", "title", "description", "contact", "show_phone", "show_email")


@transaction.atomic
def classified_update(*, classified: Classified, by: User, **changes: Any) -> Classified:
    """The author changes their open classified; its end date stays as it was.

    Only the fields of ``EDITABLE_FIELDS`` change. A closed or expired classified is
    no longer changed (its author publishes a new one); the town hall's corrections go
    through ``classified_moderate``.
    """
    if not can_change_classified(by, classified):
        raise PermissionDenied(_("Only its author can change this classified."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    current = Classified.objects.select_for_update().get(pk=classified.pk)
    if not current.is_open:
        raise ValidationError(
            _("This classified is closed or expired: it can no longer be changed.")
        )
    for name, value in changes.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    _validate(current, extra_errors=_contact_errors(current, by))
    abuse.check_links(
        by, f"{current.title} {current.description} {current.contact}", field="description"
    )
    if changes:
        current.save(update_fields=list(changes))
        log(instance=current, action="wagtail.edit", user=by, data={"fields": sorted(changes)})
    return current


@transaction.atomic
def classified_close(*, classified: Classified, by: User) -> Classified:
    """The author closes their classified; closing a closed or expired one changes nothing."""
    if not can_change_classified(by, classified):
        raise PermissionDenied(_("Only its author can close this classified."))
    now = timezone.now()
    changed = Classified.objects.filter(pk=classified.pk, status=Classified.Status.OPEN).update(
        status=Classified.Status.CLOSED, closed_at=now
    )
    classified.refresh_from_db(fields=["status", "closed_at"])
    if changed:
        log(instance=classified, action="classifieds.close", user=by)
    return classified


@transaction.atomic
def classified_moderate(
    *, classified: Classified, by: User, title: str, description: str, status: str
) -> Classified:
    """Town-hall or platform staff correct or close a classified (abusive content)."""
    if not can_moderate_classified(by, classified):
        raise PermissionDenied(_("You cannot moderate the classifieds of this commune."))
    previous = Classified.objects.select_for_update().get(pk=classified.pk)
    classified.title = title.strip() if isinstance(title, str) else title
    classified.description = description.strip() if isinstance(description, str) else description
    classified.status = status
    _validate(classified, extra_errors={})
    if status == Classified.Status.CLOSED and previous.status != Classified.Status.CLOSED:
        classified.closed_at = timezone.now()
    elif status != Classified.Status.CLOSED:
        classified.closed_at = None
    classified.save(update_fields=["title", "description", "status", "closed_at"])
    log(
        instance=classified,
        action="wagtail.edit",
        user=by,
        data={"status": {"from": previous.status, "to": status}},
    )
    return classified


def classifieds_expire(*, now: datetime | None = None) -> int:
    """Mark open classifieds past their end as expired, in one UPDATE.

    Communes that have the module switched off are skipped: their classifieds
    stay as they are until the module is on again.
    """
    now = now or timezone.now()
    return (
        Classified.objects.due_to_expire(now)
        .filter(commune__in=registry.enabled_communes(MODULE_LABEL))
        .update(status=Classified.Status.EXPIRED)
    )
