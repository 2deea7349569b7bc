"""Accounts in the API (ACC-1…ACC-11): registration, verification, the person's own profile.

Mounted twice: ``/api/v1/accounts/`` (anonymous: register, verify, resend, confirm a
new address, reset a forgotten password) and ``/api/v1/me/`` (the authenticated
person). One view per operation; the rules are in ``accounts.services`` (and
``accounts.password_reset``) and their ValidationErrors become 400s with field messages.
"""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import password_reset, services
from accounts.geocoding import locate_address
from accounts.links import email_verification_token, read_email_change_token, user_from_uid
from accounts.models import PRESENTATION_MAX_LENGTH, DeviceToken
from api.schema import VALIDATION
from communes.models import Commune
from privacy.matrix import person_card
from privacy.serializers import PersonSerializer

TAGS = ["accounts"]
DETAIL = inline_serializer("Detail", fields={"detail": serializers.CharField()})


class AddressInput(serializers.Serializer):
    address = serializers.CharField(max_length=300)
    latitude = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=-90,
        max_value=90,
        help_text=_("GPS or a point moved on a map."),
    )
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    commune = serializers.SlugField(
        required=False,
        max_length=80,
        help_text=_(
            "The commune of the address (its slug): its country chooses the geocoder and "
            "the point must lie in its territory."
        ),
    )

    def validate_commune(self, slug: str) -> Commune:
        commune = Commune.objects.filter(slug=slug).first()
        if commune is None:
            raise serializers.ValidationError(_("There is no commune with this identifier."))
        return commune

    def validate(self, attrs):
        latitude, longitude = attrs.get("latitude"), attrs.get("longitude")
        if (latitude is None) != (longitude is None):
            raise serializers.ValidationError(
                {"longitude": [_("Send both latitude and longitude, or neither.")]}
            )
        attrs["address"], attrs["location"] = locate_address(
            address=attrs["address"],
            latitude=latitude,
            longitude=longitude,
            commune=attrs.get("commune"),
            defer_unavailable=True,
        )
        return attrs


class RegistrationInput(AddressInput):
    """With ``commune``, the new account follows that commune, pending its validation."""

    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    mobile = PhoneNumberField(required=False, allow_blank=True)
    landline = PhoneNumberField(required=False, allow_blank=True)
    accepts_sms = serializers.BooleanField(
        required=False,
        default=True,
        help_text=_(
            "Consent to alert SMS on the mobile (SMS are only used for alerts). True when "
            "omitted and a mobile is given, as the site's box is ticked by default; always "
            "false without a mobile. Withdraw it at any time with PATCH /api/v1/me/."
        ),
    )
    birth_date = serializers.DateField(required=False, allow_null=True)
    pseudonym = serializers.CharField(max_length=50, required=False, allow_blank=True)
    presentation = serializers.CharField(
        max_length=PRESENTATION_MAX_LENGTH, required=False, allow_blank=True
    )


class NeighbourInput(AddressInput):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)


class PointOutput(serializers.Serializer):
    """A GeoJSON point: coordinates are [longitude, latitude] (WGS 84)."""

    type = serializers.CharField()
    coordinates = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)


class ProfileOutput(serializers.Serializer):
    """The person's own data: their card as they see it, and their settings."""

    card = PersonSerializer()
    hide_mobile = serializers.BooleanField()
    hide_landline = serializers.BooleanField()
    accepts_sms = serializers.BooleanField(
        help_text=_("Alert SMS reach your mobile (never true without a mobile).")
    )
    email_verified = serializers.BooleanField()
    location = PointOutput(allow_null=True, help_text=_("Your home, as a GeoJSON point."))
    location_pending = serializers.BooleanField(
        help_text=_(
            "True while your address waits to be placed on the map: the address service "
            "was unavailable and we are trying again. Tell the person, or send a point."
        )
    )

    def to_representation(self, user):
        location = None
        if user.location is not None:
            location = {"type": "Point", "coordinates": [user.location.x, user.location.y]}
        return super().to_representation(
            {
                "card": person_card(user, user),
                "hide_mobile": user.hide_mobile,
                "hide_landline": user.hide_landline,
                "accepts_sms": user.accepts_sms,
                "email_verified": user.email_verified,
                "location": location,
                "location_pending": location is None and services.location_pending(user),
            }
        )


class ProfileInput(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)
    pseudonym = serializers.CharField(max_length=50, required=False, allow_blank=True)
    presentation = serializers.CharField(
        max_length=PRESENTATION_MAX_LENGTH, required=False, allow_blank=True
    )
    birth_date = serializers.DateField(required=False, allow_null=True)
    hide_mobile = serializers.BooleanField(required=False)
    hide_landline = serializers.BooleanField(required=False)
    accepts_sms = serializers.BooleanField(
        required=False,
        help_text=_(
            "false withdraws your consent to alert SMS; true gives it again and needs a "
            "mobile number (400 otherwise)."
        ),
    )


class PhonesInput(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    mobile = PhoneNumberField(required=False, allow_blank=True, allow_null=True)
    landline = PhoneNumberField(required=False, allow_blank=True, allow_null=True)
    accepts_sms = serializers.BooleanField(
        required=False,
        help_text=_(
            "Consent to alert SMS on this mobile. When omitted: true for a mobile given "
            "where there was none, your current choice when the number changes; always "
            "false without a mobile."
        ),
    )


class EmailChangeInput(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    new_email = serializers.EmailField()


class EmailChangeConfirmInput(serializers.Serializer):
    token = serializers.CharField()


class VerifyInput(serializers.Serializer):
    uid = serializers.CharField()
    token = serializers.CharField()


class ResendInput(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetInput(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmInput(serializers.Serializer):
    uid = serializers.CharField(
        help_text=_("The second-to-last path segment of the emailed link (uidb64).")
    )
    token = serializers.CharField(help_text=_("The last path segment of the emailed link."))
    new_password = serializers.CharField(write_only=True, trim_whitespace=False)


class PasswordChangeInput(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, trim_whitespace=False)
    new_password = serializers.CharField(write_only=True, trim_whitespace=False)


class PhotoInput(serializers.Serializer):
    photo = serializers.ImageField()


def _profile(user, request) -> Response:
    return Response(ProfileOutput(user, context={"request": request}).data)


def _phone(value) -> str | None:
    return str(value) if value else None


# --- anonymous --------------------------------------------------------------------


class RegisterApi(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        tags=TAGS,
        operation_id="accounts_register",
        summary="Create an account (its email address must then be confirmed)",
        description=(
            "With `commune` (a commune's slug), the point must lie in that commune's "
            "territory (else 400 on `address`) and the new account follows the commune, "
            "pending validation by its town hall, as registering on the commune's site "
            "does. When the address service is unavailable the account is still created: "
            "the address is kept, `location` is null, `location_pending` true, and the "
            "point is found later."
        ),
        request=RegistrationInput,
        responses={201: ProfileOutput},
    )
    def post(self, request):
        data = RegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = services.account_register(
            email=values["email"],
            password=values["password"],
            first_name=values["first_name"],
            last_name=values["last_name"],
            address=values["address"],
            location=values["location"],
            mobile=_phone(values.get("mobile")),
            landline=_phone(values.get("landline")),
            birth_date=values.get("birth_date"),
            pseudonym=values.get("pseudonym", ""),
            presentation=values.get("presentation", ""),
            accepts_sms=values.get("accepts_sms", True),
            commune=values.get("commune"),
            request=request,
        )
        response = _profile(user, request)
        response.status_code = status.HTTP_201_CREATED
        return response


class VerifyApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="accounts_verify_email",
        summary="Confirm an email address with the uid and token of the emailed link",
        request=VerifyInput,
        responses={204: None},
    )
    def post(self, request):
        data = VerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_from_uid(data.validated_data["uid"])
        if user is None or not (
            user.email_verified_at is not None
            or email_verification_token.check_token(user, data.validated_data["token"])
        ):
            raise serializers.ValidationError(
                {
                    "token": [
                        _("This link is no longer valid: it has already been used or has expired.")
                    ]
                }
            )
        services.account_verify_email(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResendApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="accounts_resend_verification",
        summary="Send the confirmation link again (same answer for any address)",
        request=ResendInput,
        responses={202: None},
    )
    def post(self, request):
        data = ResendInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.verification_resend(email=data.validated_data["email"], request=request)
        return Response(status=status.HTTP_202_ACCEPTED)


class EmailChangeConfirmApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="accounts_email_change_confirm",
        summary="Confirm a new email address with the token of the emailed link",
        request=EmailChangeConfirmInput,
        responses={204: None},
    )
    def post(self, request):
        data = EmailChangeConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = read_email_change_token(data.validated_data["token"])
        if found is None:
            raise serializers.ValidationError(
                {
                    "token": [
                        _("This link is no longer valid: it has already been used or has expired.")
                    ]
                }
            )
        user, new_email = found
        services.email_change_confirm(user=user, new_email=new_email, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        tags=TAGS,
        operation_id="accounts_password_reset_request",
        summary="Forgotten password: a link to choose a new one (same answer for any address)",
        description=(
            "Always 202 with the same body, whether an open account uses the address or "
            "not (no account discovery). When one does, it receives the email of the site's "
            '"Forgotten password" page: its link ends in `/<uid>/<token>/`; the app reads '
            "these last two path segments and posts them with the new password to "
            "`POST /api/v1/accounts/password-reset/confirm/` (the link also works in a "
            "browser). Closed and suspended accounts receive nothing. By default at most 3 "
            "requests an hour per address and 20 per client are sent "
            '(`ABUSE_LIMITS["password_reset"]`); beyond, the answer is the same and nothing '
            "is sent. 429 past the client throttle shared with registration."
        ),
        request=PasswordResetInput,
        responses={
            202: OpenApiResponse(DETAIL, description="Always the same body."),
            400: OpenApiResponse(
                VALIDATION, description="`email` is missing or not an email address."
            ),
        },
    )
    def post(self, request):
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset.password_reset_request(email=data.validated_data["email"], request=request)
        return Response(
            {
                "detail": _(
                    "If an account uses this address, an email with a link to choose a new "
                    "password is on its way."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmApi(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        tags=TAGS,
        operation_id="accounts_password_reset_confirm",
        summary="Choose a new password with the uid and token of the emailed link",
        description=(
            "The link works once and for 3 days. On success the password changes, every "
            "session and every device token of the account ends (log in again with "
            "`POST /api/v1/auth/tokens/`), a lockout after wrong passwords is lifted and the "
            "address counts as confirmed."
        ),
        request=PasswordResetConfirmInput,
        responses={
            204: OpenApiResponse(description="The new password is set."),
            400: OpenApiResponse(
                VALIDATION,
                description=(
                    "`token`: the link is wrong, used or expired; `new_password`: the "
                    "password validators' messages."
                ),
            ),
        },
    )
    def post(self, request):
        data = PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset.password_reset_confirm(
            uid=data.validated_data["uid"],
            token=data.validated_data["token"],
            new_password=data.validated_data["new_password"],
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the authenticated person ----------------------------------------------------------


class MeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS, operation_id="me_retrieve", summary="Your profile", responses=ProfileOutput
    )
    def get(self, request):
        return _profile(request.user, request)

    @extend_schema(
        tags=TAGS,
        operation_id="me_update",
        summary="Change your name, pseudonym, presentation, birth date or switches",
        request=ProfileInput,
        responses=ProfileOutput,
    )
    def patch(self, request):
        data = ProfileInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.profile_update(user=request.user, **data.validated_data)
        return _profile(request.user, request)


class AddressApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="me_address_update",
        summary="Set your postal address (geocoded), or its GPS point",
        description=(
            "With `commune`, the point must lie in its territory (else 400 on `address`). "
            "When the address service is unavailable the address is kept without a point "
            "(`location_pending` true) and located later."
        ),
        request=AddressInput,
        responses=ProfileOutput,
    )
    def put(self, request):
        data = AddressInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.address_update(
            user=request.user,
            address=data.validated_data["address"],
            location=data.validated_data["location"],
            commune=data.validated_data.get("commune"),
        )
        return _profile(request.user, request)


class PhonesApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="me_phones_update",
        summary="Change your phone numbers (your password is asked again)",
        request=PhonesInput,
        responses=ProfileOutput,
    )
    def put(self, request):
        data = PhonesInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.phones_update(
            user=request.user,
            password=data.validated_data["password"],
            mobile=_phone(data.validated_data.get("mobile")),
            landline=_phone(data.validated_data.get("landline")),
            accepts_sms=data.validated_data.get("accepts_sms"),
            request=request,
        )
        return _profile(request.user, request)


class PhotoApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        operation_id="me_photo_update",
        summary="Upload your photo (JPEG, PNG or WebP; re-encoded, metadata removed)",
        request={"multipart/form-data": PhotoInput},
        responses=ProfileOutput,
    )
    def put(self, request):
        data = PhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.profile_update(user=request.user, photo=data.validated_data["photo"])
        except ValidationError as error:
            raise serializers.ValidationError({"photo": error.messages}) from error
        return _profile(request.user, request)

    @extend_schema(
        tags=TAGS,
        operation_id="me_photo_delete",
        summary="Remove your photo",
        responses={204: None},
    )
    def delete(self, request):
        services.profile_update(user=request.user, remove_photo=True)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="me_email_change",
        summary="Ask to change your email address: a link goes to the new one",
        request=EmailChangeInput,
        responses={202: None},
    )
    def post(self, request):
        data = EmailChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.email_change_request(user=request.user, request=request, **data.validated_data)
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordChangeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="me_password_change",
        summary="Change your password: every other session and device token ends",
        request=PasswordChangeInput,
        responses={204: None},
    )
    def post(self, request):
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        current = request.auth if isinstance(request.auth, DeviceToken) else None
        services.password_change(
            user=request.user,
            old_password=data.validated_data["old_password"],
            new_password=data.validated_data["new_password"],
            keep_token=current,
            request=request,
        )
        if request.session is not None and request.user.is_authenticated and current is None:
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NeighbourApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        tags=TAGS,
        operation_id="me_register_neighbour",
        summary="Register a neighbour without internet: they choose their own password",
        request=NeighbourInput,
        responses={
            201: OpenApiResponse(
                inline_serializer("NeighbourRegistered", fields={"email": serializers.EmailField()})
            )
        },
    )
    def post(self, request):
        data = NeighbourInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        neighbour = services.account_register_neighbour(
            by=request.user,
            email=values["email"],
            first_name=values["first_name"],
            last_name=values["last_name"],
            address=values["address"],
            location=values["location"],
            commune=values.get("commune"),
            request=request,
        )
        return Response({"email": neighbour.email}, status=status.HTTP_201_CREATED)


accounts_patterns = [
    path("register/", RegisterApi.as_view(), name="accounts-register"),
    path("verify/", VerifyApi.as_view(), name="accounts-verify"),
    path("verification/", ResendApi.as_view(), name="accounts-resend"),
    path("email-change/", EmailChangeConfirmApi.as_view(), name="accounts-email-confirm"),
    path("password-reset/", PasswordResetApi.as_view(), name="accounts-password-reset"),
    path(
        "password-reset/confirm/",
        PasswordResetConfirmApi.as_view(),
        name="accounts-password-reset-confirm",
    ),
]

me_patterns = [
    path("", MeApi.as_view(), name="me-profile"),
    path("address/", AddressApi.as_view(), name="me-address"),
    path("phones/", PhonesApi.as_view(), name="me-phones"),
    path("photo/", PhotoApi.as_view(), name="me-photo"),
    path("email/", EmailChangeApi.as_view(), name="me-email"),
    path("password/", PasswordChangeApi.as_view(), name="me-password"),
    path("neighbours/", NeighbourApi.as_view(), name="me-neighbours"),
]
