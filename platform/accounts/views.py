"""Site pages of accounts: registration, verification, profile, password (ACC-1…ACC-11).

Choosing a new password through the emailed link also unlocks the account
(ACC-3) and, since the link reached the person, confirms their address.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import audit, forms, password_reset, services
from accounts.forms_address import address_initial
from accounts.links import email_verification_token, read_email_change_token, user_from_uid
from core.forms import add_service_errors
from privacy.matrix import person_card

User = get_user_model()

LOCATION_PENDING_MESSAGE = gettext_lazy(
    "Your address is saved, but we could not place it on the map for now; we will try "
    "again in a few minutes. Your neighbourhood community is found from this point: "
    "you can also place it yourself on the map of your address."
)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    # Suspended and closed accounts get no link, as through the API.
    form_class = password_reset.OpenAccountPasswordResetForm

    def form_valid(self, form):
        # The API's path: the same e-mail, within the same limits per address and per
        # client (issue 21: 50 requests sent 50 e-mails); the same answer either way.
        password_reset.password_reset_request(
            email=form.cleaned_data["email"], request=self.request
        )
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # Saving the password changes the session auth hash: every other
        # session of this person ends at its next request.
        response = super().form_valid(form)
        password_reset.after_password_reset(user=form.user, request=self.request)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Registration and email verification (ACC-1/2) ---------------------------------


def _commune(request):
    return getattr(request, "commune", None)


@require_http_methods(["GET", "HEAD", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = forms.RegistrationForm(
        request.POST or None, request.FILES or None, commune=_commune(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.account_register(
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                address=data["address"],
                location=data["location"],
                mobile=data.get("mobile"),
                landline=data.get("landline"),
                birth_date=data.get("birth_date"),
                presentation=data.get("presentation", ""),
                accepts_sms=data.get("accepts_sms", False),
                photo=data.get("photo"),
                commune=_commune(request),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session["registered_email"] = data["email"]
            request.session["registered_location_pending"] = data.get("location_pending", False)
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


@require_http_methods(["GET", "HEAD"])
def register_done(request):
    return render(
        request,
        "accounts/register_done.html",
        {
            "email": request.session.get("registered_email"),
            "location_pending": request.session.get("registered_location_pending", False),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def verify_email(request, uidb64: str, token: str):
    user = user_from_uid(uidb64)
    if user is not None and user.email_verified_at is not None:
        messages.info(request, _("Your email address is already confirmed. You can log in."))
        return redirect("accounts:login")
    valid = user is not None and email_verification_token.check_token(user, token)
    if valid and request.method == "POST":
        services.account_verify_email(user=user)
        messages.success(request, _("Your email address is confirmed. You can log in."))
        return redirect("accounts:login")
    # GET shows a button: mail scanners that open links must not confirm for the person.
    return render(
        request, "accounts/verify_email.html", {"valid": valid}, status=200 if valid else 400
    )


@require_http_methods(["GET", "HEAD", "POST"])
def resend_verification(request):
    form = forms.ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.verification_resend(email=form.cleaned_data["email"], request=request)
        messages.success(
            request,
            _("If an account waits for confirmation at this address, a new link is on its way."),
        )
        return redirect("accounts:login")
    return render(request, "accounts/resend_verification.html", {"form": form})


# --- Profile (ACC-4/5/6/7) ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    user = request.user
    initial = {name: getattr(user, name) for name in services.PROFILE_FIELDS}
    form = forms.ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if not user.mobile:
        # Nothing to send SMS to: the switch waits for a mobile (given on "Phones").
        form.fields["accepts_sms"].disabled = True
        form.fields["accepts_sms"].help_text = _(
            "Give your mobile number first (“Change” next to “Mobile phone”, above): you "
            "will be asked there."
        )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo = data.pop("photo", None)
        remove_photo = data.pop("remove_photo", False)
        try:
            services.profile_update(user=user, photo=photo, remove_photo=remove_photo, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "card": person_card(user, user)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def address(request):
    user = request.user
    form = forms.AddressForm(
        request.POST or None,
        initial=address_initial(user.address, user.location),
        commune=_commune(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.address_update(
                user=user,
                address=form.cleaned_data["address"],
                location=form.cleaned_data["location"],
                commune=_commune(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if form.cleaned_data["location"] is None:
                messages.warning(request, LOCATION_PENDING_MESSAGE)
            else:
                messages.success(request, _("Your address is saved."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/address.html",
        {"form": form, "location_pending": services.location_pending(user)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def phones(request):
    user = request.user
    form = forms.PhonesForm(
        request.POST or None,
        initial={
            "mobile": user.mobile,
            "landline": user.landline,
            # ALR-3: ticked by default for a first mobile; otherwise the person's choice.
            "accepts_sms": user.accepts_sms if user.mobile else True,
        },
        commune=_commune(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.phones_update(
                user=user,
                password=data["password"],
                mobile=data.get("mobile"),
                landline=data.get("landline"),
                accepts_sms=data.get("accepts_sms", False),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your phone numbers are saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/phones.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_change(request):
    form = forms.EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.email_change_request(
                user=request.user,
                password=form.cleaned_data["password"],
                new_email=form.cleaned_data["new_email"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Open the link we sent to your new address to confirm it. "
                    "Until then, nothing changes."
                ),
            )
            return redirect("accounts:profile")
    return render(request, "accounts/email_change.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def email_change_confirm(request, token: str):
    found = read_email_change_token(token)
    if found is None:
        return render(request, "accounts/email_change_confirm.html", {"valid": False}, status=400)
    user, new_email = found
    if request.method == "POST":
        try:
            services.email_change_confirm(user=user, new_email=new_email, request=request)
        except ValidationError as error:
            return render(
                request,
                "accounts/email_change_confirm.html",
                {"valid": False, "errors": error.messages},
                status=400,
            )
        messages.success(request, _("Your new email address is confirmed."))
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")
    return render(
        request, "accounts/email_change_confirm.html", {"valid": True, "new_email": new_email}
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django keeps this session and ends every other session of the person."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.revoke_other_devices(user=self.request.user)
        audit.log_event(
            "password_changed", "success", email=self.request.user.email, request=self.request
        )
        messages.success(
            self.request, _("Your password is changed. Your other sessions are closed.")
        )
        return response


# --- A neighbour without internet (ACC-11) -----------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def register_neighbour(request):
    form = forms.NeighbourRegistrationForm(request.POST or None, commune=_commune(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            neighbour = services.account_register_neighbour(
                by=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                address=data["address"],
                location=data["location"],
                commune=_commune(request),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s will receive an email to choose their password.")
                % {"name": neighbour.get_full_name()},
            )
            return redirect("accounts:profile")
    return render(request, "accounts/register_neighbour.html", {"form": form})
