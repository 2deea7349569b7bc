"""Writes on accounts (ACC-1/2, 4, 5, 6, 7, 8, 11): registration, verification, profile.

Every function is keyword-only, atomic and raises ``ValidationError`` with
field messages on bad input, so the site's forms and the API show the same
French errors. Emails leave after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.images import clean_photo
from accounts.links import email_change_token, email_verification_token, uid_for
from accounts.models import DeviceToken, PendingLocation, User
from accounts.security import keyed_hash
from communes import territory
from communes.services import follow_request
from core import abuse
from core.access import is_open_account

if TYPE_CHECKING:
    from datetime import datetime

    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

    from communes.models import Commune


# ACC-7: apps that constrain where a home may be (communities: inside the
# member's polygon) append a callable(user, point) that raises ValidationError.
home_location_validators: list[Callable[[object, Point], None]] = []

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "pseudonym",
    "presentation",
    "hide_mobile",
    "hide_landline",
    "accepts_sms",
    "birth_date",
)


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """``path`` on the request's host, or on the admin's base URL outside a request."""
    if request is not None:
        return request.build_absolute_uri(path)
    from django.conf import settings

    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send_account_email(*, to: str, template: str, context: dict) -> None:
    """Rendered now (the data may be erased before commit), sent once the transaction commits.

    robust: a failing mail server never undoes the change the email reports.
    """
    subject = " ".join(render_to_string(f"accounts/emails/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/emails/{template}.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]), robust=True)


def email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    qs = User.objects.filter(email__iexact=email.strip())
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _check_email_free(email: str, *, exclude_pk: int | None = None) -> None:
    if email_taken(email, exclude_pk=exclude_pk):
        raise ValidationError(
            {
                "email": _(
                    "An account already uses this email address. Log in, or reset your password."
                )
            }
        )


def _check_home(user: User, location: Point | None, commune: Commune | None = None) -> None:
    """COM-5 (inside the commune's territory), then the apps' rules (ACC-7)."""
    if location is None:
        return
    territory.check_point(commune, location)
    for validator in home_location_validators:
        validator(user, location)


# --- an address the geocoder could not locate yet ------------------------------------


def retry_delay(attempt: int) -> timedelta | None:
    """Wait before attempt ``attempt + 1`` (0: the first retry); None: no attempt left."""
    delays = settings.GEOCODER_RETRY_DELAYS
    return timedelta(seconds=delays[attempt]) if attempt < len(delays) else None


def schedule_locate(user_id: int, when: datetime) -> None:
    """A django-q2 one-off run of ``accounts.tasks.locate_home`` at ``when``.

    Not in the synchronous mode (tests, inline): there the clock is the caller's to
    move, and the periodic sweep (``locate_pending_homes``) stands for the schedule.
    """
    from django_q.conf import Conf
    from django_q.models import Schedule

    if Conf.SYNC:
        return
    Schedule.objects.create(
        func="accounts.tasks.locate_home",
        args=str(int(user_id)),
        schedule_type=Schedule.ONCE,
        next_run=when,
        repeats=1,
        name=f"accounts:locate:{user_id}:{when:%Y%m%d%H%M%S}",
    )


def locate_later(*, user: User, commune: Commune | None = None) -> PendingLocation:
    """Keep the address without a point and try the geocoder again later (with back-off)."""
    when = timezone.now() + (retry_delay(0) or timedelta(0))
    pending, _created = PendingLocation.objects.update_or_create(
        user=user, defaults={"commune": commune, "attempts": 0, "next_attempt_at": when}
    )
    transaction.on_commit(lambda: schedule_locate(user.pk, when))
    return pending


def _forget_pending_location(user: User) -> None:
    PendingLocation.objects.filter(user=user).delete()


def location_pending(user: User) -> bool:
    """Whether the person's address waits for the geocoder (they are told so)."""
    return PendingLocation.objects.filter(user=user).exists()


@transaction.atomic
def pending_location_resolve(
    *, user: User, location: Point, commune: Commune | None = None
) -> bool:
    """The task found the point: kept when it is inside the commune and the apps agree.

    ``ValidationError`` when it is not (the task then asks the person to place it).
    False when the person set their address in the meantime (nothing changes).
    """
    _check_home(user, location, commune)
    updated = User.objects.filter(pk=user.pk, location__isnull=True).update(location=location)
    _forget_pending_location(user)
    return bool(updated)


def _check_birth_date(birth_date: date | None) -> None:
    if birth_date is not None and birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("A birth date cannot be in the future.")})


def password_confirm(*, user: User, password: str, field: str = "password") -> None:
    """Re-authentication before a sensitive change: ValidationError on ``field`` when wrong."""
    if not password or not user.check_password(password):
        raise ValidationError(
            {field: ValidationError(_("Your password is not correct."), code="wrong_password")}
        )


def send_verification_email(*, user: User, request: HttpRequest | None = None) -> None:
    path = reverse(
        "accounts:verify_email",
        kwargs={"uidb64": uid_for(user), "token": email_verification_token.make_token(user)},
    )
    send_account_email(
        to=user.email,
        template="verify_email",
        context={"user": user, "link": absolute_url(request, path)},
    )


def verification_resend(*, email: str, request: HttpRequest | None = None) -> None:
    """Send the link again: at most once per address every 5 minutes, and silently for an
    address without an account waiting (no account discovery)."""
    email = email.strip().lower()
    if not cache.add(f"accounts:resend:{keyed_hash(email)}", 1, timeout=300):
        return
    user = User.objects.filter(email__iexact=email, email_verified_at__isnull=True).first()
    if user is not None and is_open_account(user):
        send_verification_email(user=user, request=request)


@transaction.atomic
def account_register(
    *,
    email: str,
    password: str | None,
    first_name: str,
    last_name: str,
    address: str,
    location: Point | None,
    mobile: str | None = None,
    landline: str | None = None,
    birth_date: date | None = None,
    presentation: str = "",
    pseudonym: str = "",
    accepts_sms: bool = False,
    photo: UploadedFile | None = None,
    registered_by: User | None = None,
    commune: Commune | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Create an account whose email is not yet verified (ACC-1/2, ACC-11).

    With ``registered_by`` (a resident registering a neighbour without internet),
    no password is set: the neighbour receives a link to choose their own, which
    also proves the address is theirs.

    With ``commune`` (registration on a commune's site, or an app naming one), the
    point must lie in its territory (COM-5) and the account follows it, pending the
    town hall's validation (ACC-9, ACC-10). An address without a point (the geocoder
    was unavailable) is kept and located later (``locate_later``): registration
    never depends on the geocoder.
    """
    email = User.objects.normalize_email(email).strip().lower()
    _check_email_free(email)
    _check_birth_date(birth_date)
    territory.check_point(commune, location)
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        address=address.strip(),
        location=location,
        mobile=mobile or None,
        landline=landline or None,
        birth_date=birth_date,
        presentation=presentation.strip(),
        pseudonym=pseudonym.strip(),
        accepts_sms=accepts_sms and bool(mobile),
        registered_by=registered_by,
        email_verified_at=None,
    )
    if registered_by is None:
        try:
            password_validation.validate_password(password or "", user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password", "photo", "location"])
    if photo is not None:
        user.photo.save("photo.jpg", clean_photo(photo), save=False)
    user.save()
    if user.address and location is None:
        locate_later(user=user, commune=commune)
    if commune is not None:
        follow_request(user=user, commune=commune)
    if registered_by is None:
        send_verification_email(user=user, request=request)
    else:
        _send_neighbour_invitation(user=user, by=registered_by, request=request)
    audit.log_event("register", "success", email=email, request=request)
    return user


def _send_neighbour_invitation(*, user: User, by: User, request: HttpRequest | None = None) -> None:
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uid_for(user), "token": default_token_generator.make_token(user)},
    )
    send_account_email(
        to=user.email,
        template="neighbour_registered",
        context={"user": user, "by": by, "link": absolute_url(request, path)},
    )


def account_register_neighbour(
    *, by: User, request: HttpRequest | None = None, **fields: Any
) -> User:
    """ACC-11: a logged-in resident registers a neighbour who has no internet access."""
    if not is_open_account(by):
        raise ValidationError(_("Log in to register a neighbour."))
    return account_register(password=None, registered_by=by, request=request, **fields)


@transaction.atomic
def account_verify_email(*, user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])


@transaction.atomic
def profile_update(
    *, user: User, photo: UploadedFile | None = None, remove_photo: bool = False, **fields: Any
) -> object:
    """ACC-4/5/6: name, pseudonym, presentation, hide switches, SMS consent, birth date."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    _check_birth_date(fields.get("birth_date"))
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    if user.accepts_sms and not user.mobile:
        raise ValidationError({"accepts_sms": _("Give a mobile number to receive SMS alerts.")})
    user.full_clean(exclude=["password", "photo", "location", "email"])
    old_photo = user.photo.name if user.photo else None
    if photo is not None:
        user.photo.save("photo.jpg", clean_photo(photo), save=False)
    elif remove_photo:
        user.photo = None
    user.save()
    if old_photo and (photo is not None or remove_photo):
        storage = user.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    return user


@transaction.atomic
def sms_consent_set(*, user: User, accepts: bool, request: HttpRequest | None = None) -> object:
    """Give or withdraw consent to alert SMS (ALR-3): profile, preferences, API, STOP.

    Withdrawing always works; accepting needs a mobile number.
    """
    if accepts and not user.mobile:
        raise ValidationError({"accepts_sms": _("Give a mobile number to receive SMS alerts.")})
    if user.accepts_sms != bool(accepts):
        user.accepts_sms = bool(accepts)
        user.save(update_fields=["accepts_sms"])
        audit.log_event(
            "sms_consent", "given" if accepts else "withdrawn", email=user.email, request=request
        )
    return user


@transaction.atomic
def address_update(
    *, user: User, address: str, location: Point | None, commune: Commune | None = None
) -> object:
    """ACC-7: one postal address per account and its point (geocoded, moved or GPS).

    The point must lie in ``commune``'s territory when one is given (COM-5). Without a
    point (the geocoder was unavailable) the address is kept and located later.
    """
    if not address.strip():
        raise ValidationError({"address": _("Give your postal address.")})
    _check_home(user, location, commune)
    user.address = address.strip()
    user.location = location
    user.save(update_fields=["address", "location"])
    if location is None:
        locate_later(user=user, commune=commune)
    else:
        _forget_pending_location(user)
    return user


@transaction.atomic
def phones_update(
    *,
    user: User,
    password: str,
    mobile: str | None,
    landline: str | None,
    accepts_sms: bool | None = None,
    request: HttpRequest | None = None,
) -> object:
    """Phones change only with the password asked again (ASVS: re-authentication).

    ``accepts_sms`` is the consent to alert SMS asked with the mobile (ALR-3). Not given
    (``None``): a mobile given where there was none accepts them, as the ticked box does;
    a changed number keeps the person's choice. Without a mobile it is always off.
    """
    password_confirm(user=user, password=password)
    if accepts_sms is None:
        accepts_sms = user.accepts_sms if user.mobile else True
    user.mobile = mobile or None
    user.landline = landline or None
    user.accepts_sms = bool(accepts_sms and user.mobile)
    user.save(update_fields=["mobile", "landline", "accepts_sms"])
    audit.log_event("phones_changed", "success", email=user.email, request=request)
    return user


# E-mail changes in an hour (issue 21): (per account, per address written to). Each sends a
# message to an address the person typed, with a first name they chose: without a limit,
# anyone with an account could mail anyone, over and over.
EMAIL_CHANGE_ACTION = "email_change"
abuse.register_action(
    EMAIL_CHANGE_ACTION,
    per_hour=(3, 3),
    refusal=gettext_lazy("Too many e-mail changes asked in the last hour: try again later."),
)


def _check_email_change_rate(user: User, new_email: str) -> None:
    per_account, per_address = abuse.limits(EMAIL_CHANGE_ACTION)
    by_account = abuse.tally(f"email_change:account:{user.pk}")
    by_address = abuse.tally(f"email_change:address:{keyed_hash(new_email)}")
    if (per_account and by_account > per_account) or (per_address and by_address > per_address):
        audit.log_event("email_change_requested", "rate_limited", email=user.email)
        raise ValidationError(
            {"new_email": _("Too many e-mail changes asked in the last hour: try again later.")}
        )


def email_change_request(
    *, user: User, password: str, new_email: str, request: HttpRequest | None = None
) -> None:
    """ACC-4: a link goes to the new address; the old one is told. Nothing changes yet."""
    password_confirm(user=user, password=password)
    new_email = User.objects.normalize_email(new_email).strip().lower()
    if new_email == user.email:
        raise ValidationError({"new_email": _("This is already your email address.")})
    try:
        _check_email_free(new_email, exclude_pk=user.pk)
    except ValidationError as error:
        raise ValidationError({"new_email": error.message_dict["email"]}) from error
    _check_email_change_rate(user, new_email)
    path = reverse(
        "accounts:email_change_confirm", kwargs={"token": email_change_token(user, new_email)}
    )
    with transaction.atomic():
        send_account_email(
            to=new_email,
            template="email_change_confirm",
            context={"user": user, "link": absolute_url(request, path), "new_email": new_email},
        )
        send_account_email(
            to=user.email,
            template="email_change_notice",
            context={"user": user, "new_email": new_email},
        )
    audit.log_event("email_change_requested", "success", email=user.email, request=request)


@transaction.atomic
def email_change_confirm(
    *, user: User, new_email: str, request: HttpRequest | None = None
) -> object:
    _check_email_free(new_email, exclude_pk=user.pk)
    old_email = user.email
    user.email = new_email
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email", "email_verified_at"])
    send_account_email(
        to=old_email, template="email_changed", context={"user": user, "new_email": new_email}
    )
    audit.log_event("email_changed", "success", email=old_email, request=request)
    return user


def revoke_other_devices(*, user: User, keep_token: DeviceToken | None = None) -> int:
    """Device tokens are an app's sessions: they end with the password (ASVS 3.3)."""
    tokens = DeviceToken.objects.active().filter(user=user)
    if keep_token is not None:
        tokens = tokens.exclude(pk=keep_token.pk)
    return tokens.update(revoked_at=timezone.now())


@transaction.atomic
def password_change(
    *,
    user: User,
    old_password: str,
    new_password: str,
    keep_token: DeviceToken | None = None,
    request: HttpRequest | None = None,
) -> None:
    """The caller keeps its own session or token; every other one ends."""
    password_confirm(user=user, password=old_password, field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from error
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_other_devices(user=user, keep_token=keep_token)
    audit.log_event("password_changed", "success", email=user.email, request=request)
