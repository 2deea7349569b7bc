"""The password asked again before a sensitive act, counted as login attempts are (ACC-3).

``confirm_password`` goes through Django's ``authenticate``, so django-axes sees each
wrong password as a failed login of the account: five in a row lock the account until a
new password is chosen through the emailed link, exactly as on the login page, and the
``AxesMiddleware`` answers the request that locks (or finds locked) with the lockout
page, or JSON 403 under /api/. Used to unfollow a commune (seed 000: "renseignez
votre mot de passe … pour valider la suppression").
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WRONG_PASSWORD = _("Your password is not correct.")
NO_PASSWORD = _(
    "Your account has no password yet: choose one with the “Forgotten password?” link of "
    "the login page, then try again."
)


def confirm_password(*, request, user, password: str, field: str = "password") -> None:
    """``ValidationError`` on ``field`` unless ``password`` is ``user``'s.

    ``request`` is the current request (a DRF request is unwrapped): axes keys its count
    on the account and needs the request. An account without a usable password (made by
    a command or by staff, or a neighbour's before they chose one) is refused without
    counting a failure: it must choose a password first.
    """
    if not user.has_usable_password():
        raise ValidationError({field: ValidationError(NO_PASSWORD, code="no_password")})
    if not password:
        raise ValidationError({field: ValidationError(WRONG_PASSWORD, code="wrong_password")})
    http_request = getattr(request, "_request", request)
    found = authenticate(http_request, username=user.get_username(), password=password)
    if found is None or found.pk != user.pk:
        raise ValidationError({field: ValidationError(WRONG_PASSWORD, code="wrong_password")})
