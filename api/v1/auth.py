"""Per-device API tokens: issue with email + password, list, revoke."""

from django.contrib.auth import authenticate
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import DeviceToken
from accounts.security import lockout_message


class AccountLocked(exceptions.PermissionDenied):
    default_code = "account_locked"


class TokenCreateInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    device_name = serializers.CharField(max_length=100)

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(request, username=attrs["email"], password=attrs["password"])
        # django-axes flags the request when the account is (or has just become) locked.
        if user is None and getattr(request, "axes_locked_out", False):
            raise AccountLocked(lockout_message())
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Wrong email address or password.")]}
            )
        attrs["user"] = user
        return attrs


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
                    "with the forgotten-password link."
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
