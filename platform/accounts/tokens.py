"""API authentication by revocable per-device token: ``Authorization: Token <key>``."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import DeviceToken
from accounts.suspension import is_suspended, suspension_text

# Writing last_used_at on every request would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class DeviceTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"
    request = None  # set by authenticate(): DRF makes one authenticator per request

    def authenticate(self, request):
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        token = DeviceToken.find_active(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if is_suspended(token.user):
            raise exceptions.AuthenticationFailed(suspension_text(self.request))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.tokens.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _(
                "Per-device token issued by POST /api/v1/auth/tokens/, sent as "
                "'Token <key>'. Revoke it with DELETE /api/v1/auth/tokens/{id}/."
            ),
        }
