"""A forgotten password (ACC-3), for the API: the site's e-mail and the site's completion.

:func:`password_reset_request` sends the e-mail of the site's "Forgotten password" page
(``accounts/password_reset_email.txt``, Django's ``PasswordResetForm``), whose link
``…/compte/mot-de-passe/nouveau/<uidb64>/<token>/`` opens the site's page; an app reads
``uid`` and ``token`` from the link's last two path segments and posts them to
:func:`password_reset_confirm`. The answer never tells whether an account exists.

Abuse control: at most ``ABUSE_LIMITS["password_reset"] = (per address, per client)``
requests an hour (defaults below), counted in the cache by keyed hash (no address nor IP
in the cache). Over either limit nothing is sent, the caller answers as usual, and the
refusal is logged.

Choosing the new password does what the site's ``PasswordResetConfirmView`` does: the
password changes (every session ends at its next request: the session hash changes),
every device token is revoked, the lockout (django-axes) is cleared, the address counts
as verified (the link reached the person), and the "unlock" audit event is logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit, services
from accounts.links import uid_for, user_from_uid
from accounts.security import keyed_hash
from core import abuse
from core.access import is_open_account

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

ACTION = "password_reset"
EMAIL_TEMPLATE = "accounts/password_reset_email.txt"
SUBJECT_TEMPLATE = "accounts/password_reset_subject.txt"
WINDOW_SECONDS = 3600

# (requests per address, requests per client) in an hour. The client limit is generous:
# a mobile network puts many people behind one address.
abuse.register_action(
    ACTION,
    per_hour=(3, 20),
    refusal=gettext_lazy("Too many password reset requests in the last hour."),
)


class OpenAccountPasswordResetForm(PasswordResetForm):
    """Django's form (active accounts with a usable password), without suspended accounts."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if is_open_account(user))


def _client(request: HttpRequest) -> str:
    """The client's address as axes reads it (the proxies it trusts); "" when unknown."""
    try:
        return get_client_ip_address(request) or ""
    except Exception:  # an unreadable address still counts, under ""
        return ""


def _within_limits(email: str, request: HttpRequest) -> bool:
    per_address, per_client = abuse.limits(ACTION)
    by_address = abuse.tally(f"password_reset:address:{keyed_hash(email)}", window=WINDOW_SECONDS)
    by_client = abuse.tally(
        f"password_reset:client:{keyed_hash(_client(request))}", window=WINDOW_SECONDS
    )
    return not (
        (per_address and by_address > per_address) or (per_client and by_client > per_client)
    )


def password_reset_request(*, email: str, request: HttpRequest) -> None:
    """Send the site's reset link to the open account at ``email``; silently nothing when
    there is none, or when the address or the client asked too often this hour."""
    email = email.strip().lower()
    if not _within_limits(email, request):
        audit.log_event(
            "password_reset_request",
            "rate_limited",
            email=email,
            request=request,
            level=logging.WARNING,
        )
        return
    form = OpenAccountPasswordResetForm(data={"email": email})
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            email_template_name=EMAIL_TEMPLATE,
            subject_template_name=SUBJECT_TEMPLATE,
        )


def lockout_notice(*, email: str, request: HttpRequest | None) -> bool:
    """The owner of an account just locked by wrong passwords gets a reset link at once
    (issue 21): anyone can lock any account (ACC-3 wants the lock), so its owner must not
    find out only at their next login. Within the reset limits (an attacker who locks the
    account again and again sends at most 3 of these an hour); True when sent."""
    email = (email or "").strip().lower()
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    if user is None or not is_open_account(user) or not user.has_usable_password():
        return False
    if request is not None and not _within_limits(email, request):
        audit.log_event(
            "lockout_notice", "rate_limited", email=email, request=request, level=logging.WARNING
        )
        return False
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uid_for(user), "token": default_token_generator.make_token(user)},
    )
    services.send_account_email(
        to=user.email,
        template="account_locked",
        context={
            "user": user,
            "link": services.absolute_url(request, path),
            "limit": settings.AXES_FAILURE_LIMIT,
        },
    )
    return True


def on_locked_out(sender, request=None, username=None, **kwargs) -> None:
    """axes' ``user_locked_out``: only when the lock happens, not for each refused try."""
    if audit.refused_by_lockout(request):
        return
    lockout_notice(email=username or "", request=request)


def invalid_link() -> ValidationError:
    return ValidationError(
        {"token": _("This link is no longer valid: it has already been used or has expired.")}
    )


def after_password_reset(*, user: User, request: HttpRequest | None = None) -> None:
    """What choosing a new password through the emailed link does besides the password."""
    services.account_verify_email(user=user)
    services.revoke_other_devices(user=user)
    axes_reset(username=user.get_username().lower())
    audit.on_password_reset_unlock(user.get_username(), request=request)


@transaction.atomic
def password_reset_confirm(
    *, uid: str, token: str, new_password: str, request: HttpRequest | None = None
) -> User:
    """Set the new password of the link's account: ValidationError on ``token`` for a link
    that is wrong, used, expired or whose account is closed or suspended, on
    ``new_password`` for a password the validators refuse."""
    user = user_from_uid(uid)
    if (
        user is None
        or not is_open_account(user)
        or not default_token_generator.check_token(user, token)
    ):
        raise invalid_link()
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from error
    user.set_password(new_password)
    user.save(update_fields=["password"])
    after_password_reset(user=user, request=request)
    return user
