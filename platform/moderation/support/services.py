"""The support desk's writes: a request, the team's answer, the person's reply, the status.

Rules:

* anyone may write: a signed-in person (open account) as themselves, a visitor with a
  name and an e-mail address to be answered at;
* rate limits per hour (settings ``SUPPORT_REQUESTS_PER_HOUR`` for a person, 5;
  ``SUPPORT_ANONYMOUS_PER_HOUR`` for a visitor, 3, counted per client address and per
  e-mail address; ``SUPPORT_REPLIES_PER_HOUR``, 10): the refusal says in French when to
  try again (:class:`core.abuse.RateLimited`, 429 on the API);
* a signed-in person's request carries its context (:func:`gather_context`), read once
  when it is sent and kept as ``{"label", "value"}`` rows in French for the team;
* only the platform's staff answer and change a status; the answer reaches a person in
  the notification centre and by e-mail (kind ``support.answer``), a visitor (or a
  closed account) by a plain e-mail in French sent after commit, never failing the
  request; the team hears of a new request or a reply through kind ``support.request``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.staff import PLATFORM_STAFF_GROUP
from communes.models import Follow
from communes.selectors import follows_of
from communes.services import commune_url
from communities import selectors as communities
from communities.geo import max_area_m2
from communities.models import Membership
from communities.services import membership_overturn
from core.abuse import RateLimited
from core.access import is_open_account, open_account_q
from moderation.models import SupportMessage, SupportRequest
from moderation.support.selectors import is_desk_staff
from notifications.fanout import publish

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

SUBJECT_MAX_LENGTH = 150
BODY_MAX_LENGTH = 5000
NAME_MAX_LENGTH = 150
DEFAULT_REQUESTS_PER_HOUR = 5
DEFAULT_ANONYMOUS_PER_HOUR = 3
DEFAULT_REPLIES_PER_HOUR = 10
#: Days after which a pending request to join counts as unanswered (seed 003: 15 days).
UNANSWERED_AFTER_DAYS = 15

Topic = SupportRequest.Topic
Status = SupportRequest.Status


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- cleaning ------------------------------------------------------------------------


def _text(value: Any, *, field: str, max_length: int, empty: str) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: [_("Enter a text.")]})
    if "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise ValidationError({field: [_("Remove the invalid characters.")]})
    value = value.strip()
    if not value:
        raise ValidationError({field: [empty]})
    if len(value) > max_length:
        raise ValidationError(
            {field: [_("Write at most %(max)s characters.") % {"max": max_length}]}
        )
    return str(value)


def clean_topic(value: Any) -> str:
    if not isinstance(value, str) or value not in Topic.values:
        raise ValidationError({"topic": [_("Choose what your request is about.")]})
    return value


def clean_body(value: Any) -> str:
    return _text(value, field="body", max_length=BODY_MAX_LENGTH, empty=_("Write your message."))


def _clean_email(value: Any) -> str:
    email = _text(
        value, field="email", max_length=254, empty=_("Enter the e-mail address we answer at.")
    )
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    return email


# --- rate limits ---------------------------------------------------------------------


def _retry_after(recent: QuerySet, now: datetime, field: str = "created_at") -> int:
    oldest = recent.order_by(field).values_list(field, flat=True).first()
    return max(1, int(((oldest or now) + timedelta(hours=1) - now).total_seconds()) + 1)


def _refuse(limit: int, retry: int, *, replies: bool = False) -> RateLimited:
    minutes = max(1, -(-retry // 60))
    if replies:
        text = _(
            "You sent %(count)s messages to the team in the last hour, the most allowed. "
            "Try again in %(minutes)s minutes."
        )
    else:
        text = _(
            "You sent %(count)s requests to the team in the last hour, the most allowed. "
            "Try again in %(minutes)s minutes."
        )
    return RateLimited(text % {"count": limit, "minutes": minutes}, retry)


def _check_rate(
    *, user: User | None, email: str, client_address: str | None, now: datetime
) -> None:
    since = now - timedelta(hours=1)
    if user is not None:
        limit = _setting("SUPPORT_REQUESTS_PER_HOUR", DEFAULT_REQUESTS_PER_HOUR)
        recent = SupportRequest.objects.filter(requester=user, created_at__gte=since)
        if recent.count() >= limit:
            raise _refuse(limit, _retry_after(recent, now))
        return
    limit = _setting("SUPPORT_ANONYMOUS_PER_HOUR", DEFAULT_ANONYMOUS_PER_HOUR)
    anonymous = SupportRequest.objects.filter(requester__isnull=True, created_at__gte=since)
    checks = [anonymous.filter(email__iexact=email)]
    if client_address:
        checks.insert(0, anonymous.filter(client_address=client_address))
    for recent in checks:
        if recent.count() >= limit:
            raise _refuse(limit, _retry_after(recent, now))


def _check_reply_rate(user: User, now: datetime) -> None:
    limit = _setting("SUPPORT_REPLIES_PER_HOUR", DEFAULT_REPLIES_PER_HOUR)
    recent = SupportMessage.objects.filter(
        author=user, from_staff=False, created_at__gte=now - timedelta(hours=1)
    )
    if recent.count() >= limit:
        raise _refuse(limit, _retry_after(recent, now), replies=True)


# --- the context of a signed-in person --------------------------------------------------


def _date(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


def _row(label: str, value: str) -> dict[str, str]:
    return {"label": str(label), "value": str(value)}


def _membership_rows(user: User, topic: str, now: datetime) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    membership = communities.current_membership(user)
    if membership is not None:
        community = membership.community
        if membership.status == Membership.Status.PENDING:
            days = (now - membership.requested_at).days
            value = _(
                "%(community)s (commune of %(commune)s), request sent on %(date)s, "
                "waiting for %(days)s days"
            ) % {
                "community": community.name,
                "commune": community.commune.name,
                "date": _date(membership.requested_at),
                "days": days,
            }
            if membership.escalated_at:
                value += " · " + _("sent to the platform's staff on %(date)s") % {
                    "date": _date(membership.escalated_at)
                }
            rows.append(_row(_("Pending request to join"), value))
        else:
            role = _("référent") if membership.is_referent else _("member")
            rows.append(
                _row(
                    _("Community"),
                    _("%(community)s (commune of %(commune)s), %(role)s since %(date)s")
                    % {
                        "community": community.name,
                        "commune": community.commune.name,
                        "role": role,
                        "date": _date(membership.decided_at or membership.requested_at),
                    },
                )
            )
    elif topic in (Topic.APPEAL_REFUSAL, Topic.MEMBERSHIP_UNANSWERED):
        last = communities.last_membership(user)
        if last is not None and last.status == Membership.Status.REFUSED:
            value = _("%(community)s, refused on %(date)s") % {
                "community": last.community.name,
                "date": _date(last.decided_at or last.requested_at),
            }
            if last.refusal_reason:
                value += " · " + _("reason: %(reason)s") % {"reason": last.refusal_reason}
            rows.append(_row(_("Last request to join"), value))
    if topic == Topic.MEMBERSHIP_UNANSWERED and membership is None and not rows:
        rows.append(_row(_("Request to join"), _("No pending request.")))
    return rows


def _overlap_rows(user: User) -> list[dict[str, str]]:
    location = getattr(user, "location", None)
    if location is None:
        return [_row(_("Home on the map"), _("Not located yet."))]
    covering = communities.community_covering(location)
    if covering is None:
        value = _("No community covers the home (%(lat).5f, %(lon).5f).") % {
            "lat": location.y,
            "lon": location.x,
        }
    else:
        value = _(
            "Inside the area of the community %(community)s (no. %(id)s, commune of %(commune)s)"
        ) % {
            "community": covering.name,
            "id": covering.pk,
            "commune": covering.commune.name,
        }
    return [_row(_("Home on the map"), value)]


def _area_rows(user: User) -> list[dict[str, str]]:
    community = communities.community_of(user)
    km2 = max_area_m2() / 1_000_000
    limit = str(int(km2)) if km2 == int(km2) else formats.number_format(km2, 2)
    if community is None:
        return [_row(_("Area limit"), _("%(max)s km², no community yet") % {"max": limit})]
    value = _("%(community)s covers %(area)s km² (limit %(max)s km²)") % {
        "community": community.name,
        "area": formats.number_format(community.area_m2 / 1_000_000, 2),
        "max": limit,
    }
    if community.area_cap_lifted:
        value += " · " + _("limit already lifted")
    return [_row(_("Area limit"), value)]


def _commune_rows(user: User) -> list[dict[str, str]]:
    labels: dict[str, str] = {
        Follow.Status.PENDING: _("waiting for the town hall"),
        Follow.Status.VALIDATED: _("validated resident"),
        Follow.Status.REFUSED: _("refused"),
    }
    follows = list(follows_of(user)[:10])
    if not follows:
        return [_row(_("Communes"), _("None followed yet."))]
    value = ", ".join(
        f"{follow.commune.name} ({labels.get(follow.status, follow.status)})" for follow in follows
    )
    return [_row(_("Communes"), value)]


def gather_context(user: User, topic: str, *, now: datetime | None = None) -> list[dict[str, str]]:
    """What the team needs to know, read from the platform (in French, as sent)."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        rows = [_row(_("Account"), f"{user.get_full_name()} <{user.email}>")]
        rows += _commune_rows(user)
        rows += _membership_rows(user, topic, now)
        if topic == Topic.OVERLAP:
            rows += _overlap_rows(user)
        if topic == Topic.AREA_CAP:
            rows += _area_rows(user)
    return rows


# --- notices -----------------------------------------------------------------------------


def platform_staff() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True) | Q(groups__name=PLATFORM_STAFF_GROUP), open_account_q()
        )
        .distinct()
    )


def desk_url(pk: int) -> str:
    """The request's page in the admin (``support_admin:detail``), built from the admin's
    root so that a notice never depends on the order the admin's hooks load in."""
    return f"{reverse('wagtailadmin_home')}support/{pk}/"


def _tell_staff(request: SupportRequest, message: SupportMessage, *, reply: bool) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        if reply:
            title = _("New reply to the request “%(subject)s”") % {"subject": request.subject}
        else:
            title = _("New request to the team: %(subject)s") % {"subject": request.subject}
        topic = str(Topic(request.topic).label)
    publish(
        "support.request",
        audience=platform_staff(),
        title=title,
        url=desk_url(request.pk),
        data={"request": request.pk, "topic": topic, "reply": reply},
        dedupe_key=f"support.request:{request.pk}:{message.pk}",
    )


def _tell_requester(request: SupportRequest, message: SupportMessage) -> None:
    requester = request.requester
    if requester is not None and is_open_account(requester):
        with translation.override(settings.LANGUAGE_CODE):
            title = _("The team answered your request “%(subject)s”") % {"subject": request.subject}
        publish(
            "support.answer",
            audience=get_user_model().objects.filter(pk=requester.pk),
            title=title,
            url=reverse("moderation:support_detail", args=[request.pk]),
            commune=request.commune,
            data={"request": request.pk, "subject": request.subject},
            dedupe_key=f"support.answer:{message.pk}",
        )
        return
    if not request.email:
        return
    # A visitor (or an account closed since): a plain e-mail, the answer itself in it,
    # rendered now in French and sent once the transaction commits.
    context = {
        "name": request.name,
        "subject": request.subject,
        "answer": message.body,
        "platform_name": settings.WAGTAIL_SITE_NAME,
        "contact_url": _absolute(request.commune, reverse("moderation:support")),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string("moderation/support/emails/answer_subject.txt", context).split()
        )
        body = render_to_string("moderation/support/emails/answer.txt", context)
    address = request.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]), robust=True)


def _absolute(commune: Commune | None, path: str) -> str:
    if commune is not None:
        return commune_url(commune, path)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


# --- writes --------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    user: User | None,
    topic: Any,
    subject: Any,
    body: Any,
    name: Any = "",
    email: Any = "",
    commune: Commune | None = None,
    client_address: str | None = None,
    now: datetime | None = None,
) -> SupportRequest:
    """A new request to the team (see the module's rules); returns it."""
    now = now or timezone.now()
    person = user if is_open_account(user) else None
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    checks: list[tuple[str, Any]] = [
        ("topic", lambda: clean_topic(topic)),
        (
            "subject",
            lambda: _text(
                subject,
                field="subject",
                max_length=SUBJECT_MAX_LENGTH,
                empty=_("Give your request a subject."),
            ),
        ),
        ("body", lambda: clean_body(body)),
    ]
    if person is None:
        checks += [
            (
                "name",
                lambda: _text(
                    name, field="name", max_length=NAME_MAX_LENGTH, empty=_("Enter your name.")
                ),
            ),
            ("email", lambda: _clean_email(email)),
        ]
    for field, check in checks:
        try:
            cleaned[field] = check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if person is not None:
        cleaned["name"] = person.get_full_name()
        cleaned["email"] = person.email
    _check_rate(user=person, email=cleaned["email"], client_address=client_address, now=now)
    if commune is None and person is not None:
        follow = follows_of(person).filter(status=Follow.Status.VALIDATED).first()
        commune = follow.commune if follow is not None else None
    request = SupportRequest.objects.create(
        topic=cleaned["topic"],
        requester=person,
        name=cleaned["name"][:NAME_MAX_LENGTH],
        email=cleaned["email"],
        commune=commune,
        subject=cleaned["subject"],
        context=gather_context(person, cleaned["topic"], now=now) if person else [],
        client_address=client_address if person is None else None,
        created_at=now,
        updated_at=now,
    )
    message = SupportMessage.objects.create(
        request=request, author=person, body=cleaned["body"], created_at=now
    )
    _tell_staff(request, message, reply=False)
    return request


def _require_staff(by: User) -> None:
    if not is_desk_staff(by):
        raise PermissionDenied(_("Only the platform's team answers support requests."))


@transaction.atomic
def answer(
    *, by: User, request: SupportRequest, body: Any, now: datetime | None = None
) -> SupportMessage:
    """The team's answer: the request becomes "answered" and the person is told."""
    _require_staff(by)
    text = clean_body(body)
    now = now or timezone.now()
    message = SupportMessage.objects.create(
        request=request, author=by, from_staff=True, body=text, created_at=now
    )
    request.status = Status.ANSWERED
    request.updated_at = now
    fields = ["status", "updated_at"]
    if request.assigned_to_id is None:
        request.assigned_to = by
        fields.append("assigned_to")
    request.save(update_fields=fields)
    _tell_requester(request, message)
    return message


@transaction.atomic
def reply(
    *, by: User, request: SupportRequest, body: Any, now: datetime | None = None
) -> SupportMessage:
    """The person writes again on their request: it goes back to the team as new."""
    if not is_open_account(by) or request.requester_id != by.pk:
        raise PermissionDenied(_("You cannot write on this request."))
    text = clean_body(body)
    now = now or timezone.now()
    _check_reply_rate(by, now)
    message = SupportMessage.objects.create(request=request, author=by, body=text, created_at=now)
    request.status = Status.NEW
    request.updated_at = now
    request.save(update_fields=["status", "updated_at"])
    _tell_staff(request, message, reply=True)
    return message


def clean_status(value: Any) -> str:
    if not isinstance(value, str) or value not in Status.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    return value


@transaction.atomic
def set_status(
    *, by: User, request: SupportRequest, status: Any, now: datetime | None = None
) -> SupportRequest:
    """The team moves a request along: new, in progress, answered, closed."""
    _require_staff(by)
    value = clean_status(status)
    if value == request.status:
        return request
    request.status = value
    request.updated_at = now or timezone.now()
    fields = ["status", "updated_at"]
    if request.assigned_to_id is None and value != Status.NEW:
        request.assigned_to = by
        fields.append("assigned_to")
    request.save(update_fields=fields)
    return request


def overturn_offer(request: SupportRequest) -> bool:
    """Whether the desk may offer "Accept the membership" on ``request`` (CTY-4): an appeal
    against a refusal, from an account whose last request was refused and who has no
    community now. :func:`overturn` checks it all again, under locks."""
    requester = request.requester
    if request.topic != Topic.APPEAL_REFUSAL or requester is None:
        return False
    if not is_open_account(requester) or communities.current_membership(requester) is not None:
        return False
    last = communities.last_membership(requester)
    return last is not None and last.status == Membership.Status.REFUSED


@transaction.atomic
def overturn(*, by: User, request: SupportRequest, now: datetime | None = None) -> Membership:
    """CTY-4: the team overturns the refusal the person contests: they become a member
    (``communities.services.membership_overturn``), and the request is answered."""
    _require_staff(by)
    if request.topic != Topic.APPEAL_REFUSAL:
        raise ValidationError(
            {"topic": [_("Only a request contesting a refusal can overturn a refusal.")]}
        )
    if request.requester is None:
        raise ValidationError(_("This request was sent without an account: nobody to accept."))
    membership = membership_overturn(by=by, user=request.requester)
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "We checked your request: your home is inside %(community)s. The refusal is "
            "overturned and you are now a member of the community. Welcome!"
        ) % {"community": membership.community.name}
    answer(by=by, request=request, body=body, now=now)
    return membership
