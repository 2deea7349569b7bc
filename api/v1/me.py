"""The authenticated person's own account: close it (ACC-12), export its data (ACC-13)."""

from django.contrib.auth import logout
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import audit
from accounts.closure import account_close
from accounts.export import account_export
from core.types import StrOrPromise


class AccountCloseInput(serializers.Serializer):
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        help_text=_("The account's current password, to confirm."),
    )


@extend_schema(
    tags=["me"],
    request=AccountCloseInput,
    responses={
        204: OpenApiResponse(
            description=_(
                "Closed: personal data erased, every token and session of the account ended."
            )
        )
    },
)
class AccountClose(APIView):
    """Close your account for good (password required); your publications stay, anonymised."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        data = AccountCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        account_close(user=request.user, password=data.validated_data["password"], request=request)
        if request.auth is None:  # a site session (not a device token): end it now
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _object(help_text: StrOrPromise) -> serializers.DictField:
    return serializers.DictField(help_text=help_text)


def _objects(help_text: StrOrPromise) -> serializers.ListField:
    return serializers.ListField(child=serializers.DictField(), help_text=help_text)


class ExportedAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    pseudonym = serializers.CharField(allow_blank=True)
    presentation = serializers.CharField(allow_blank=True)
    photo = serializers.URLField(allow_null=True)
    mobile = serializers.CharField(allow_null=True)
    hide_mobile = serializers.BooleanField()
    landline = serializers.CharField(allow_null=True)
    hide_landline = serializers.BooleanField()
    accepts_sms = serializers.BooleanField()
    birth_date = serializers.DateField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    location = serializers.DictField(
        allow_null=True, help_text=_("GeoJSON point: [longitude, latitude] (WGS 84).")
    )
    registered_by_a_neighbour = serializers.BooleanField()
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)
    email_verified_at = serializers.DateTimeField(allow_null=True)
    is_active = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)


class PersonalDataExportSerializer(serializers.Serializer):
    """The top-level shape of the export; each section is described in its help text."""

    platform = serializers.CharField(help_text=_("Name of the platform."))
    version = serializers.IntegerField(
        help_text=_("Version of this format: it changes when a key changes meaning.")
    )
    exported_at = serializers.DateTimeField()
    account = ExportedAccountSerializer(help_text=_("Every profile field, decrypted."))
    device_tokens = _objects(_("Name, prefix and dates of each device token (never the key)."))
    follows = _objects(_("Followed communes: commune, status, dates and reason."))
    staff_roles = _objects(_("Town-hall roles: commune, role and date granted."))
    hosting_partners = serializers.ListField(
        child=serializers.CharField(), help_text=_("Hosting partners whose staff you are.")
    )
    groups = serializers.ListField(child=serializers.CharField())
    two_factor_devices = _objects(_("Two-factor devices (staff), without their secrets."))
    admin_preferences = serializers.DictField(
        allow_null=True, help_text=_("Preferences of the administration interface, if any.")
    )
    login_records = _object(_("Failed attempts, failures and logins recorded for the account."))
    sections = _object(
        _("One entry per app or module (classifieds, …), in every commune, switched on or not.")
    )


@extend_schema(
    tags=["me"],
    responses=PersonalDataExportSerializer,
    parameters=[
        OpenApiParameter(
            "Cache-Control",
            location=OpenApiParameter.HEADER,
            response=[200],
            required=True,
            description=_("Always contains no-store: the answer holds personal data."),
        )
    ],
)
class PersonalDataExport(APIView):
    """Everything the platform holds about you (GDPR access), as JSON. Never cached."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "account_export"

    def get(self, request):
        data = account_export(request.user, request=request)
        audit.log_event("data_export", "success", email=request.user.email, request=request)
        response = Response(data)
        add_never_cache_headers(response)
        return response


urlpatterns = [
    path("close/", AccountClose.as_view(), name="me-close"),
    path("export/", PersonalDataExport.as_view(), name="me-export"),
]
