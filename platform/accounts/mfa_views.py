"""Staff two-factor pages: set up the app, verify a code, renew the recovery codes.

The pages are for staff accounts only (``accounts.mfa.needs_two_factor``: staff,
and anyone with access to the Wagtail admin); anyone else gets a 404. Secrets
and recovery codes are never cached by the browser.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from accounts import mfa
from accounts.mfa_forms import ConfirmPasswordForm, RecoveryCodeForm, SetupForm, VerifyForm

FEW_CODES_LEFT = 3


def _staff_only(request) -> None:
    if not mfa.needs_two_factor(request.user):
        raise Http404


def _next(request) -> str:
    return mfa.safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _log_form_failure(event: str, form, request) -> None:
    verification = getattr(form, "verification", None)
    if verification is None:  # nothing was checked (an empty field)
        return
    outcome = "throttled" if verification.throttled else "failure"
    mfa.log(event, outcome, user=request.user, request=request, level=logging.WARNING)


def _recovery_codes_page(request, codes: list[str], *, next_url: str, first_time: bool):
    return render(
        request,
        "accounts/mfa_recovery_codes.html",
        {
            "codes": codes,
            "codes_text": "\n".join(codes) + "\n",
            "next": next_url,
            "first_time": first_time,
        },
    )


@never_cache
@login_required
def setup(request):
    """Scan the QR code (or type the secret), give a first code, get the recovery codes."""
    _staff_only(request)
    user = request.user
    next_url = _next(request)
    if mfa.has_confirmed_device(user):
        if user.is_verified():
            return redirect("accounts:mfa_manage")
        return redirect(mfa.with_next(reverse("accounts:mfa_verify"), next_url))

    device = mfa.pending_totp_device(user)
    form = SetupForm(user, device, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        codes = mfa.confirm_device(request, form.verification.device)
        mfa.log("otp_setup", "success", user=user, request=request)
        return _recovery_codes_page(request, codes, next_url=next_url, first_time=True)
    _log_form_failure("otp_setup", form, request)
    secret = mfa.totp_secret(device)
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_code": mfa.qr_code_svg(device),
            "secret": secret,
            "secret_grouped": mfa.grouped(secret),
            "issuer": settings.OTP_TOTP_ISSUER,
            "next": next_url,
        },
    )


@never_cache
@login_required
def verify(request):
    """The second step of a staff login: a code from the app, or a recovery code."""
    _staff_only(request)
    user = request.user
    next_url = _next(request)
    if user.is_verified():
        return redirect(next_url)
    if not mfa.has_confirmed_device(user):
        return redirect(mfa.with_next(reverse("accounts:mfa_setup"), next_url))

    data = request.POST if request.method == "POST" else None
    use_recovery = data is not None and "recovery_code" in data
    form = VerifyForm(user, data=None if use_recovery else data)
    recovery_form = RecoveryCodeForm(user, data=data if use_recovery else None)
    bound = recovery_form if use_recovery else form
    if data is not None and bound.is_valid():
        verification = bound.verification
        mfa.mark_verified(request, verification.device)
        if verification.method == "recovery":
            mfa.log("otp_recovery_code", "success", user=user, request=request)
            left = mfa.recovery_codes_left(user)
            message = ngettext(
                "You used a recovery code: %(count)s is left.",
                "You used a recovery code: %(count)s are left.",
                left,
            ) % {"count": left}
            if left <= FEW_CODES_LEFT:
                advice = _("Make new ones on your two-factor authentication page.")
                message = f"{message} {advice}"
            messages.warning(request, message)
        else:
            mfa.log("otp_verify", "success", user=user, request=request)
        return redirect(next_url)
    if data is not None:
        event = "otp_recovery_code" if use_recovery else "otp_verify"
        _log_form_failure(event, bound, request)
    return render(
        request,
        "accounts/mfa_verify.html",
        {
            "form": form,
            "recovery_form": recovery_form,
            "use_recovery": use_recovery,
            "next": next_url,
        },
    )


@never_cache
@login_required
def manage(request):
    """The state of your second factor; new recovery codes after your password."""
    _staff_only(request)
    user = request.user
    device = mfa.confirmed_totp_device(user)
    if device is None:
        return redirect("accounts:mfa_setup")
    form = ConfirmPasswordForm(request, data=request.POST if request.method == "POST" else None)
    codes_left = mfa.recovery_codes_left(user)
    if form.is_valid():
        codes = mfa.issue_recovery_codes(user)
        mfa.log("otp_recovery_codes", "regenerated", user=user, request=request)
        return _recovery_codes_page(
            request, codes, next_url=reverse("accounts:mfa_manage"), first_time=False
        )
    return render(
        request,
        "accounts/mfa_manage.html",
        {
            "form": form,
            "device": device,
            "codes_left": codes_left,
            "few_codes_left": codes_left <= FEW_CODES_LEFT,
            "code_count": mfa.RECOVERY_CODE_COUNT,
        },
    )
