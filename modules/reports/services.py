"""Writes on problem reports (REP-1 … REP-4): keyword-only, atomic; the site, the API,
Open311 and the admin call these.

Residents (and Open311 integrators) report; the staff who handle a report
(``selectors.can_handle``: the town hall, or the members of its category's service) move
it through its statuses, reassign it and merge duplicates, each step a public
:class:`Update` and a Wagtail log entry. Four weeks after "resolved", the reporter is
asked whether it is really fixed (``tasks.ask_if_fixed``); "no" reopens it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm
from wagtail.log_actions import log

from accounts.geocoding import (
    GeocodingUnavailable,
    geocoder_for_commune,
    locate_address,
    point_from_coordinates,
)
from communes.territory import check_point, contains
from conversations.services import clean_text
from core import abuse
from core.access import is_open_account
from modules.reports import photos as report_photos
from modules.reports.models import (
    ADDRESS_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS,
    NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Follower,
    Integrator,
    Photo,
    Question,
    Report,
    Service,
    Update,
)
from modules.reports.selectors import (
    HANDLE_SERVICE,
    can_handle,
    can_report,
    can_see,
    candidate_members,
    is_town_hall,
    key_digest,
    services_of,
)

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

REPORT_KIND = "reports.report"  # its ReportableKind (apps.py)
TITLE_MIN_LENGTH = 3
ANSWER_MAX_LENGTH = 2000
TECHNICAL_GROUP = "Technical services"
SETTABLE_STATUSES = (
    Report.Status.NEW,
    Report.Status.ACKNOWLEDGED,
    Report.Status.IN_PROGRESS,
    Report.Status.RESOLVED,
    Report.Status.REJECTED,
)


def _notify(name: str, *args: Any, **kwargs: Any) -> None:
    """Call ``notify.<name>`` once the transaction commits."""
    from modules.reports import notify

    transaction.on_commit(lambda: getattr(notify, name)(*args, **kwargs))


def _town_hall_label() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("Town hall"))


def _reporter_label() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("The reporter"))


def public_by(report: Report, by: User) -> str:
    """What residents read as the step's author: the service's name when ``by`` is one of
    its members, else the town hall."""
    service = report.category.service
    if service is not None and services_of(by).filter(pk=service.pk).exists():
        return str(service.name)
    return _town_hall_label()


def _require_handler(report: Report, by: User) -> None:
    if not can_handle(by, report):
        raise PermissionDenied(_("You do not handle this report."))


def _clean_note(note: Any, *, required: bool = False, empty: str = "") -> str:
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise ValidationError({"note": [_("Enter a text.")]})
    if not note.strip():
        if required:
            raise ValidationError({"note": [empty or _("Write a note.")]})
        return ""
    return clean_text(note, field="note", max_length=NOTE_MAX_LENGTH, empty=empty)


# --- reporting ---------------------------------------------------------------------------


def _clean_category(commune: Commune, category: Any) -> Category:
    if isinstance(category, Category):
        pk: Any = category.pk
    else:
        try:
            pk = int(category)
        except (TypeError, ValueError):
            pk = 0
    found = (
        Category.objects.filter(commune=commune, pk=pk, active=True)
        .select_related("service")
        .first()
        if pk and 0 < pk < 2**63
        else None
    )
    if found is None:
        raise ValidationError({"category": [_("Choose one of the commune's categories.")]})
    return found


def _is_empty(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _choice_key(question: Question, value: Any) -> str | None:
    text = str(value).strip()
    for key, name in question.choices():
        if text in (key, name):
            return key
    return None


def clean_answers(category: Category, answers: Any) -> dict[str, Any]:
    """The answers to the category's questions, by question code: lists answered with the
    choices' keys (or names), numbers as numbers. ValidationError on "answers", naming
    the question. Answers to unknown questions are dropped."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": [_("The answers must be given by question.")]})
    cleaned: dict[str, Any] = {}
    errors: list[str] = []
    for question in category.questions.all():
        value = answers.get(question.code)
        if _is_empty(value):
            if question.required:
                errors.append(
                    _("Answer the question “%(question)s”.") % {"question": question.label}
                )
            continue
        datatype = question.datatype
        if datatype == Question.Datatype.NUMBER:
            try:
                number = float(str(value).replace(",", ".").strip())
            except ValueError:
                number = float("nan")
            if number != number or number in (float("inf"), float("-inf")):
                errors.append(
                    _("The answer to “%(question)s” must be a number.")
                    % {"question": question.label}
                )
                continue
            cleaned[question.code] = int(number) if number.is_integer() else number
        elif datatype == Question.Datatype.SINGLE:
            key = None if isinstance(value, list | dict) else _choice_key(question, value)
            if key is None:
                errors.append(
                    _("Choose one of the answers offered to “%(question)s”.")
                    % {"question": question.label}
                )
                continue
            cleaned[question.code] = key
        elif datatype == Question.Datatype.MULTI:
            values = value if isinstance(value, list | tuple) else str(value).split(",")
            keys = [_choice_key(question, item) for item in values if str(item).strip()]
            if not keys or any(key is None for key in keys):
                errors.append(
                    _("Choose among the answers offered to “%(question)s”.")
                    % {"question": question.label}
                )
                continue
            cleaned[question.code] = list(dict.fromkeys(keys))
        else:
            if not isinstance(value, str | int | float):
                errors.append(
                    _("The answer to “%(question)s” must be a text.") % {"question": question.label}
                )
                continue
            text = str(value).strip()
            limit = 255 if datatype == Question.Datatype.STRING else ANSWER_MAX_LENGTH
            if len(text) > limit or "\x00" in text:
                errors.append(
                    _("The answer to “%(question)s” is too long (%(max)s characters at most).")
                    % {"question": question.label, "max": limit}
                )
                continue
            cleaned[question.code] = text
    if errors:
        raise ValidationError({"answers": errors})
    return cleaned


def _clean_photos(uploads: Iterable[Any]) -> tuple[list, tuple[float, float] | None]:
    """Clean photos (content, width, height) and the first EXIF GPS position found."""
    uploads = [upload for upload in (uploads or ()) if upload]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("Send %(max)s photos at most.") % {"max": MAX_PHOTOS}]})
    cleaned = []
    position = None
    for upload in uploads:
        if position is None:
            position = report_photos.gps_position(upload)  # before cleaning drops it
        try:
            cleaned.append(report_photos.clean_photo(upload))
        except ValidationError as error:
            raise ValidationError({"photos": error.messages}) from None
    return cleaned, position


def _given(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _locate(
    commune: Commune,
    *,
    address: str,
    latitude: Any,
    longitude: Any,
    location_source: str,
    photo_position: tuple[float, float] | None,
) -> tuple[str, Point | None, str, bool]:
    """(address, point, source, locate_pending) of a new report (see report_create)."""
    if _given(latitude) or _given(longitude):
        point = point_from_coordinates(latitude, longitude)
        check_point(commune, point, field="location")
        source = location_source if location_source in Report.Source.values else "map"
        return address, point, source, False
    if address:
        label, located = locate_address(address=address, commune=commune, defer_unavailable=True)
        if located is None:  # the provider is down: tasks.locate_pending will retry
            return address, None, Report.Source.ADDRESS, True
        check_point(commune, located, field="address")
        return (label or address)[:ADDRESS_MAX_LENGTH], located, Report.Source.ADDRESS, False
    if photo_position is not None:
        point = Point(photo_position[1], photo_position[0], srid=4326)
        check_point(commune, point, field="location")
        return "", point, Report.Source.PHOTO, False
    raise ValidationError({"location": [_("Give an address or place a point on the map.")]})


@transaction.atomic
def report_create(
    *,
    commune: Commune,
    category: Category | int | str,
    title: str,
    description: str,
    author: User | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    location_source: str = "",
    photos: Iterable[Any] = (),
    answers: dict | None = None,
    integrator: Integrator | None = None,
    contact: dict | None = None,
    now: datetime | None = None,
) -> Report:
    """A problem reported in ``commune`` by a validated resident (``author``) or through
    Open311 (``integrator``). Located by its point (inside the commune), else its address
    (geocoded; kept to locate later when the provider is down), else the first photo's
    GPS position. The author follows it; the service and the town hall are told. A
    resident's 11th report in an hour is refused; repeated text is held for moderation."""
    now = now or timezone.now()
    if author is not None and not can_report(author, commune):
        raise PermissionDenied(_("Only the residents validated by the town hall can report."))
    if integrator is not None and (integrator.commune_id != commune.pk or not integrator.is_active):
        raise PermissionDenied(_("This key does not write to this commune."))
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def run(field: str, check: Callable[[], Any]) -> None:
        try:
            cleaned[field] = check()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)

    run("category", lambda: _clean_category(commune, category))
    run(
        "title",
        lambda: clean_text(
            title, field="title", max_length=TITLE_MAX_LENGTH, empty=_("Give the problem a title.")
        ),
    )
    if "title" in cleaned and len(cleaned["title"]) < TITLE_MIN_LENGTH:
        errors.setdefault("title", []).append(
            _("Write at least %(min)s characters.") % {"min": TITLE_MIN_LENGTH}
        )
    run(
        "description",
        lambda: clean_text(
            description,
            field="description",
            max_length=DESCRIPTION_MAX_LENGTH,
            empty=_("Describe the problem."),
        ),
    )
    if "category" in cleaned:
        run("answers", lambda: clean_answers(cleaned["category"], answers))
    run("photos", lambda: _clean_photos(photos))
    address = address.strip() if isinstance(address, str) else ""
    if len(address) > ADDRESS_MAX_LENGTH:
        errors.setdefault("address", []).append(
            _("Write at most %(max)s characters.") % {"max": ADDRESS_MAX_LENGTH}
        )
    if errors:
        raise ValidationError(errors)
    # Before geocoding: a refused person costs the provider nothing.
    verdict = abuse.SHOWN
    if author is not None:
        verdict = abuse.check(
            author,
            "problem_report",
            recent=Report.objects.filter(author=author),
            text=cleaned["description"],
            text_fields=("description",),
            field="description",
            now=now,
        )
    clean_photos, photo_position = cleaned["photos"]
    address, point, source, pending = _locate(
        commune,
        address=address,
        latitude=latitude,
        longitude=longitude,
        location_source=location_source,
        photo_position=photo_position,
    )
    report = Report.objects.create(
        commune=commune,
        category=cleaned["category"],
        author=author,
        integrator=integrator,
        contact=contact or {},
        title=cleaned["title"],
        description=cleaned["description"],
        answers=cleaned["answers"],
        address=address,
        location=point,
        location_source=source,
        locate_pending=pending,
        followers_count=1 if author is not None else 0,
        created_at=now,
        updated_at=now,
        hidden_at=verdict.hidden_at(now),
    )
    for position, (content, width, height) in enumerate(clean_photos):
        photo = Photo(report=report, width=width, height=height, position=position, created_at=now)
        small, _small_width, _small_height = report_photos.thumbnail_of(content)
        photo.image.save("photo.jpg", content, save=False)
        photo.thumbnail.save("thumbnail.jpg", small, save=False)
        photo.save()
    Update.objects.create(
        report=report, kind=Update.Kind.STATUS, status=Report.Status.NEW, created_at=now
    )
    if author is not None:
        Follower.objects.create(report=report, user=author, created_at=now)
    if verdict.held:
        abuse.hold(verdict, kind=REPORT_KIND, instance=report)
    else:
        _notify("new_report", report)
    return report


# --- following ("me too") ------------------------------------------------------------------


@transaction.atomic
def follow(*, user: User, report: Report) -> bool:
    """``user`` has the same problem and follows the report (+1). False if already."""
    if not is_open_account(user) or not can_see(user, report):
        raise PermissionDenied(_("Only the commune's validated residents can follow reports."))
    if not report.is_open:
        raise ValidationError({"report": [_("This report is closed: it cannot be followed.")]})
    _follower, created = Follower.objects.get_or_create(report=report, user=user)
    if created:
        Report.objects.filter(pk=report.pk).update(followers_count=F("followers_count") + 1)
        report.refresh_from_db(fields=["followers_count"])
    return created


@transaction.atomic
def unfollow(*, user: User, report: Report) -> bool:
    deleted, _rows = Follower.objects.filter(report=report, user=user).delete()
    if deleted:
        Report.objects.filter(pk=report.pk).update(
            followers_count=Greatest(F("followers_count") - 1, 0)
        )
        report.refresh_from_db(fields=["followers_count"])
    return bool(deleted)


# --- the staff's steps -----------------------------------------------------------------------


def _locked(report: Report) -> Report:
    """The report's row, locked for this transaction (its fields refreshed)."""
    fresh = Report.objects.select_for_update().get(pk=report.pk)
    for field in (
        "status",
        "category_id",
        "merged_into_id",
        "acknowledged_at",
        "resolved_at",
        "fixed_asked_at",
        "fixed_answer",
        "fixed_answered_at",
        "updated_at",
        "followers_count",
    ):
        setattr(report, field, getattr(fresh, field))
    return report


@transaction.atomic
def status_set(
    *, report: Report, by: User, status: str, note: str = "", now: datetime | None = None
) -> Update:
    """Move ``report`` to ``status`` with a public note (required to reject: the reason).

    Sets ``acknowledged_at`` on the first move out of "new", ``resolved_at`` when
    resolved (cleared when it leaves "resolved"); the "fixed?" question starts over when
    it is resolved again or reopened. Followers but ``by`` are told."""
    now = now or timezone.now()
    _require_handler(report, by)
    _locked(report)
    if status not in SETTABLE_STATUSES:
        raise ValidationError({"status": [_("Choose one of the statuses offered.")]})
    if report.status == Report.Status.DUPLICATE:
        raise ValidationError(
            {"status": [_("This report is merged into another one: follow that one up.")]}
        )
    if status == report.status:
        raise ValidationError({"status": [_("The report already has this status.")]})
    note = _clean_note(
        note,
        required=status == Report.Status.REJECTED,
        empty=_("Tell the residents why the report is rejected."),
    )
    previous = report.status
    fields = ["status", "updated_at"]
    report.status = status
    report.updated_at = now
    if report.acknowledged_at is None and status != Report.Status.NEW:
        report.acknowledged_at = now
        fields.append("acknowledged_at")
    if status == Report.Status.RESOLVED:
        report.resolved_at = now
        fields.append("resolved_at")
    elif report.resolved_at is not None:
        report.resolved_at = None
        fields.append("resolved_at")
    reopened = previous in Report.CLOSED_STATUSES and status in Report.OPEN_STATUSES
    if status == Report.Status.RESOLVED or reopened:
        report.fixed_asked_at = None
        report.fixed_answer = ""
        report.fixed_answered_at = None
        fields += ["fixed_asked_at", "fixed_answer", "fixed_answered_at"]
    report.save(update_fields=fields)
    update = Update.objects.create(
        report=report,
        kind=Update.Kind.STATUS,
        status=status,
        previous_status=previous,
        note=note,
        by=by,
        public_by=public_by(report, by),
        created_at=now,
    )
    log(
        instance=report,
        action="reports.status",
        user=by,
        data={"status": status, "previous_status": previous, "note": note},
    )
    _notify("status_changed", update)
    return update


@transaction.atomic
def category_set(
    *, report: Report, by: User, category: Category | int | str, note: str = ""
) -> Update:
    """Move ``report`` to another active category of its commune (its service is told).
    ``by`` handles the report before; afterwards they may no longer."""
    _require_handler(report, by)
    _locked(report)
    new = _clean_category(report.commune, category)
    if new.pk == report.category_id:
        raise ValidationError({"category": [_("The report is already in this category.")]})
    note = _clean_note(note)
    now = timezone.now()
    previous = report.category
    signed = public_by(report, by)
    report.category = new
    report.updated_at = now
    report.save(update_fields=["category", "updated_at"])
    update = Update.objects.create(
        report=report,
        kind=Update.Kind.CATEGORY,
        status=report.status,
        previous_status=report.status,
        note=note,
        by=by,
        public_by=signed,
        created_at=now,
    )
    log(
        instance=report,
        action="reports.category",
        user=by,
        data={"category": new.name, "previous_category": previous.name, "note": note},
    )
    _notify("new_report", report, reassigned=True)
    return update


@transaction.atomic
def merge(*, duplicate: Report, into: Report, by: User, note: str = "") -> Update:
    """``duplicate`` is the same problem as ``into``: it closes as "duplicate" and its
    followers move to ``into`` (once each); they are told."""
    if duplicate.pk == into.pk:
        raise ValidationError({"into": [_("A report cannot be merged into itself.")]})
    if duplicate.commune_id != into.commune_id:
        raise ValidationError({"into": [_("Choose a report of the same commune.")]})
    _require_handler(duplicate, by)
    _require_handler(into, by)
    _locked(duplicate)
    _locked(into)
    if into.status == Report.Status.DUPLICATE or into.merged_into_id is not None:
        raise ValidationError({"into": [_("This report is itself merged into another one.")]})
    if duplicate.status == Report.Status.DUPLICATE:
        raise ValidationError({"duplicate": [_("This report is already merged.")]})
    note = _clean_note(note)
    if not note:
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Same problem as report #%(number)s.") % {"number": into.pk}
    now = timezone.now()
    moving = list(
        Follower.objects.filter(report=duplicate)
        .exclude(user_id__in=Follower.objects.filter(report=into).values("user_id"))
        .values_list("user_id", flat=True)
    )
    Follower.objects.filter(report=duplicate, user_id__in=moving).update(report=into)
    told = list(Follower.objects.filter(report=duplicate).values_list("user_id", flat=True))
    Follower.objects.filter(report=duplicate).delete()
    into.followers_count = Follower.objects.filter(report=into).count()
    into.updated_at = now
    into.save(update_fields=["followers_count", "updated_at"])
    previous = duplicate.status
    duplicate.status = Report.Status.DUPLICATE
    duplicate.merged_into = into
    duplicate.followers_count = 0
    duplicate.updated_at = now
    if duplicate.acknowledged_at is None:
        duplicate.acknowledged_at = now
    duplicate.save(
        update_fields=["status", "merged_into", "followers_count", "updated_at", "acknowledged_at"]
    )
    update = Update.objects.create(
        report=duplicate,
        kind=Update.Kind.MERGED,
        status=Report.Status.DUPLICATE,
        previous_status=previous,
        note=note,
        by=by,
        public_by=public_by(duplicate, by),
        created_at=now,
    )
    log(
        instance=duplicate,
        action="reports.merge",
        user=by,
        data={"into": into.pk, "note": note},
    )
    _notify("merged", update, [*moving, *told])
    return update


@transaction.atomic
def bulk_status(*, reports: Iterable[Report], by: User, status: str, note: str = "") -> int:
    """Several reports to ``status`` at once: refused as a whole when ``by`` does not
    handle one of them. Those already in that status are skipped; returns how many
    changed."""
    reports = list(reports)
    for report in reports:
        _require_handler(report, by)
    changed = 0
    for report in reports:
        _locked(report)
        if report.status == status:
            continue
        status_set(report=report, by=by, status=status, note=note)
        changed += 1
    return changed


@transaction.atomic
def answer_fixed(
    *, user: User, report: Report, fixed: bool, note: str = "", now: datetime | None = None
) -> Update:
    """The reporter answers "Has it been fixed?" (once): yes, a public step; no, the
    report is open again ("acknowledged") and the staff who handle it are told."""
    now = now or timezone.now()
    if not report.is_reporter(user):
        raise PermissionDenied(_("Only the person who reported the problem can answer."))
    _locked(report)
    if not report.fixed_question_open:
        raise ValidationError({"fixed": [_("This question is not open (any more).")]})
    note = _clean_note(note)
    report.fixed_answer = "yes" if fixed else "no"
    report.fixed_answered_at = now
    report.updated_at = now
    fields = ["fixed_answer", "fixed_answered_at", "updated_at"]
    previous = report.status
    if fixed:
        kind = Update.Kind.FIXED
    else:
        kind = Update.Kind.REOPENED
        report.status = Report.Status.ACKNOWLEDGED
        report.resolved_at = None
        fields += ["status", "resolved_at"]
    report.save(update_fields=fields)
    update = Update.objects.create(
        report=report,
        kind=kind,
        status=report.status,
        previous_status=previous,
        note=note,
        by=user,
        public_by=_reporter_label(),
        created_at=now,
    )
    if not fixed:
        _notify("reopened", report, update)
    return update


# --- services and integrators (the town hall) ----------------------------------------------


def _require_town_hall(commune: Commune, by: User) -> None:
    if not is_town_hall(by, commune):
        raise PermissionDenied(_("Only the town hall can do this."))


def technical_group() -> Group:
    """The admin group of the technical services' members (Wagtail admin access)."""
    group, created = Group.objects.get_or_create(name=TECHNICAL_GROUP)
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    return group


def _service_holders(service: Service) -> set[int]:
    return set(
        UserObjectPermission.objects.filter(
            content_type=ContentType.objects.get_for_model(Service),
            object_pk=str(service.pk),
            permission__codename=HANDLE_SERVICE,
        ).values_list("user_id", flat=True)
    )


def sync_technical_group(user_ids: Iterable[int]) -> None:
    """Those of ``user_ids`` members of a service are in the group; the others are not."""
    from django.contrib.auth import get_user_model

    user_ids = set(user_ids)
    if not user_ids:
        return
    group = technical_group()
    members = set(
        UserObjectPermission.objects.filter(
            content_type=ContentType.objects.get_for_model(Service),
            permission__codename=HANDLE_SERVICE,
            user_id__in=user_ids,
        ).values_list("user_id", flat=True)
    )
    users = get_user_model().objects.filter(pk__in=user_ids)
    group.user_set.add(*[user for user in users if user.pk in members])
    group.user_set.remove(*[user for user in users if user.pk not in members])


@transaction.atomic
def service_members_set(*, service: Service, members: Iterable[User], by: User) -> None:
    """The members of ``service`` become ``members`` (each holding ``handle_reports`` on
    the commune: the technical role or the mayor's)."""
    _require_town_hall(service.commune, by)
    members = list(members)
    allowed = set(candidate_members(service.commune).values_list("pk", flat=True))
    refused = [member for member in members if member.pk not in allowed]
    if refused:
        raise ValidationError(
            {
                "members": [
                    _(
                        "%(names)s cannot handle reports in %(commune)s: give them the "
                        "technical role first."
                    )
                    % {
                        "names": ", ".join(str(member) for member in refused),
                        "commune": service.commune.name,
                    }
                ]
            }
        )
    wanted = {member.pk: member for member in members}
    held = _service_holders(service)
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(pk__in=held - set(wanted)):
        remove_perm(f"reports.{HANDLE_SERVICE}", user, service)
    for pk in set(wanted) - held:
        assign_perm(f"reports.{HANDLE_SERVICE}", wanted[pk], service)
    sync_technical_group(held | set(wanted))
    log(
        instance=service,
        action="reports.service_members",
        user=by,
        data={"members": sorted(str(member) for member in members)},
    )


def new_key() -> str:
    return "o311_" + secrets.token_urlsafe(24)


@transaction.atomic
def integrator_create(
    *, commune: Commune, name: str, contact_email: str = "", per_hour: int = 60, by: User
) -> tuple[Integrator, str]:
    """An Open311 key for another program; the key is returned once (only its digest is
    kept)."""
    _require_town_hall(commune, by)
    name = clean_text(name, field="name", max_length=100, empty=_("Name the integrator."))
    try:
        per_hour = int(per_hour)
    except (TypeError, ValueError):
        per_hour = 0
    if not 1 <= per_hour <= 10_000:
        raise ValidationError({"per_hour": [_("Between 1 and 10000 reports an hour.")]})
    key = new_key()
    integrator = Integrator(
        commune=commune,
        name=name,
        contact_email=(contact_email or "").strip(),
        per_hour=per_hour,
        key_prefix=key[:10],
        key_digest=key_digest(key),
        created_by=by,
    )
    integrator.full_clean(exclude=["key_digest", "key_prefix", "created_by", "commune"])
    integrator.save()
    log(
        instance=integrator,
        action="reports.integrator_create",
        user=by,
        data={"name": name, "key_prefix": integrator.key_prefix},
    )
    return integrator, key


@transaction.atomic
def integrator_revoke(*, integrator: Integrator, by: User) -> None:
    _require_town_hall(integrator.commune, by)
    if integrator.revoked_at is not None:
        return
    integrator.revoked_at = timezone.now()
    integrator.save(update_fields=["revoked_at"])
    log(
        instance=integrator,
        action="reports.integrator_revoke",
        user=by,
        data={"name": integrator.name, "key_prefix": integrator.key_prefix},
    )


# --- locating later ------------------------------------------------------------------------


def locate(report: Report) -> bool:
    """Geocode the address of a report kept while the provider was down. True when it is
    located (inside the commune); not found or outside: it stays without a point and is
    not retried. Raises ``GeocodingUnavailable`` while the provider is still down."""
    if not report.locate_pending:
        return False
    commune = report.commune
    results = geocoder_for_commune(commune).search(report.address, limit=1, near=commune)
    with transaction.atomic():
        fresh = Report.objects.select_for_update().get(pk=report.pk)
        if not fresh.locate_pending:
            return False
        fresh.locate_pending = False
        located = bool(results) and contains(commune, results[0].point)
        if located:
            fresh.location = results[0].point
            fresh.location_source = Report.Source.ADDRESS
        fresh.save(update_fields=["locate_pending", "location", "location_source"])
    report.locate_pending = False
    report.location = fresh.location
    report.location_source = fresh.location_source
    return located


__all__ = [
    "GeocodingUnavailable",
    "answer_fixed",
    "bulk_status",
    "category_set",
    "follow",
    "integrator_create",
    "integrator_revoke",
    "locate",
    "merge",
    "report_create",
    "service_members_set",
    "status_set",
    "unfollow",
]
