"""Per-device API tokens: issue with email + password (+ a two-factor code for staff)."""

import logging

from django.contrib.auth import authenticate
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts import mfa
from accounts.models import DeviceToken
from accounts.security import lockout_message
from accounts.selectors import is_open_account
from accounts.suspension import is_suspended_login, suspension_text
from core.types import StrOrPromise


class AccountLocked(exceptions.PermissionDenied):
    default_code = "account_locked"


class AccountSuspended(exceptions.PermissionDenied):
    default_code = "account_suspended"


class TokenCreateInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    device_name = serializers.CharField(max_length=100)
    otp_code = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=_(
            "Staff accounts only (town hall, hosting partner, platform): the 6-digit code "
            "of their authenticator app, or one of their recovery codes. Residents leave it "
            "out."
        ),
    )

    def validate(self, attrs):
        request = self.context["request"]
        # Refused before the password is checked: never a failed attempt for the lockout.
        if is_suspended_login(attrs["email"]):
            raise AccountSuspended(suspension_text(request))
        user = authenticate(request, username=attrs["email"], password=attrs["password"])
        # django-axes flags the request when the account is (or has just become) locked.
        if user is None and getattr(request, "axes_locked_out", False):
            raise AccountLocked(lockout_message())
        if not is_open_account(user):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Wrong email address or password.")]}
            )
        if user.email_verified_at is None:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _(
                            "Confirm your email address first: open the link we sent you "
                            "when you registered."
                        )
                    ]
                }
            )
        if mfa.needs_two_factor(user):
            self._check_second_factor(request, user, attrs.get("otp_code") or "")
        attrs["user"] = user
        return attrs

    def _check_second_factor(self, request, user, code: str) -> None:
        """Staff get a token only with a code from their app (or a recovery code)."""
        message = _("A two-factor code is required for staff accounts.")
        if not code.strip():
            raise serializers.ValidationError({"otp_code": [message]})
        verification = mfa.verify_code(user, code)
        event = "otp_recovery_code" if verification.method == "recovery" else "otp_verify"
        if verification.ok:
            mfa.log(event, "success", user=user, request=request)
            return
        outcome = "throttled" if verification.throttled else "failure"
        mfa.log(event, outcome, user=user, request=request, level=logging.WARNING)
        detail: StrOrPromise
        if verification.throttled:
            detail = mfa.throttled_message(verification.wait_seconds)
        elif not mfa.has_confirmed_device(user):
            detail = _(
                "Set up two-factor authentication on the web site first (log in there once)."
            )
        else:
            detail = _("This code is wrong or has expired.")
        raise serializers.ValidationError({"otp_code": [message, detail]})


class DeviceTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class IssuedTokenSerializer(DeviceTokenSerializer):
    key = serializers.CharField(read_only=True, help_text=_("Shown once: store it on the device."))

    class Meta(DeviceTokenSerializer.Meta):
        fields = [*DeviceTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


@extend_schema(tags=["auth"])
class TokenListCreate(generics.ListCreateAPIView):
    """List your active device tokens, or issue a new one with your email and password."""

    serializer_class = DeviceTokenSerializer
    queryset = DeviceToken.objects.none()
    throttle_scope = "token_create"

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    def get_queryset(self):
        return DeviceToken.objects.active().filter(user=self.request.user)

    @extend_schema(
        request=TokenCreateInput,
        responses={
            201: IssuedTokenSerializer,
            403: OpenApiResponse(
                inline_serializer(
                    "AccountLockedDetail",
                    fields={"detail": serializers.CharField()},
                ),
                description=_(
                    "Account locked after too many wrong passwords: choose a new password "
                    "with the forgotten-password link. Or account suspended by the "
                    "moderators (code account_suspended): the detail gives the team's "
                    "contact address."
                ),
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        data = TokenCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        token, key = DeviceToken.issue(
            user=data.validated_data["user"], name=data.validated_data["device_name"]
        )
        token.key = key
        return Response(IssuedTokenSerializer(token).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["auth"])
class TokenRevoke(generics.DestroyAPIView):
    """Revoke one of your device tokens (another person's token answers 404)."""

    serializer_class = DeviceTokenSerializer
    queryset = DeviceToken.objects.none()
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return DeviceToken.objects.active().filter(user=self.request.user)

    def perform_destroy(self, instance):
        instance.revoke()


@extend_schema(tags=["auth"], responses=MeSerializer)
class Me(generics.GenericAPIView):
    """The authenticated person."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MeSerializer

    def get(self, request):
        return Response(MeSerializer(request.user).data)


urlpatterns = [
    path("tokens/", TokenListCreate.as_view(), name="token-list"),
    path("tokens/<int:pk>/", TokenRevoke.as_view(), name="token-detail"),
    path("me/", Me.as_view(), name="me"),
]
