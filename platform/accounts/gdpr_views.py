"""ACC-12 and ACC-13 on the site: close my account, download my data."""

from __future__ import annotations

import json
from typing import cast

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import audit
from accounts.closure import account_close
from accounts.export import account_export, export_filename
from accounts.services import password_confirm
from privacy.matrix import former_member_card

EXPORT_THROTTLE_SCOPE = "account_export"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _password_field() -> forms.CharField:
    return forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CloseForm(forms.Form):
    password = _password_field()
    confirm = forms.BooleanField(
        label=_("I understand that closing my account is final and cannot be undone."),
    )


class ExportForm(forms.Form):
    password = _password_field()

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        try:
            password_confirm(user=self.user, password=password)
        except ValidationError as error:
            raise ValidationError(error.message_dict["password"], code="wrong_password") from error
        return password


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def close(request):
    user = request.user
    form = CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account_close(user=user, password=form.cleaned_data["password"], request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            return redirect("accounts:close_done")
    return render(
        request,
        "accounts/close.html",
        {
            "form": form,
            "can_close": not user.is_superuser,
            "former_name": former_member_card().display_name,
        },
    )


@never_cache
def close_done(request):
    return render(request, "accounts/close_done.html")


def export_rate() -> tuple[int, int]:
    """The API's throttle rate for exports (REST_FRAMEWORK settings), also used here."""
    rates = cast("dict[str, str]", settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rate = rates[EXPORT_THROTTLE_SCOPE]
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


def _export_allowed(user) -> bool:
    """A fixed window per account in the cache; every POST counts, right password or not."""
    count, seconds = export_rate()
    key = f"accounts:data_export:{user.pk}"
    cache.add(key, 0, timeout=seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=seconds)
        used = 1
    return used <= count


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def data_export(request):
    user = request.user
    form = ExportForm(user, request.POST if request.method == "POST" else None)
    status, refusal = 200, None
    if request.method == "POST":
        if not _export_allowed(user):
            form = ExportForm(user)
            refusal = gettext("Too many downloads in a short time: please try again later.")
            status = 429
        elif form.is_valid():
            data = account_export(user, request=request)
            response = HttpResponse(
                json.dumps(data, ensure_ascii=False, indent=2),
                content_type="application/json; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
            add_never_cache_headers(response)
            audit.log_event("data_export", "success", email=user.email, request=request)
            return response
    return render(
        request, "accounts/data_export.html", {"form": form, "refusal": refusal}, status=status
    )
