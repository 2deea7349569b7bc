"""OpenAPI generation: the /api/v1/ paths only, and the error responses every operation can give.

The standard errors are declared here once rather than on every view: 401 (a bad
or revoked token is refused on any operation), 403 (CSRF or permission), 400 on
writes and filtered or paginated lists, 404 where the path names an object or a
list is paginated, 429 where a throttle applies.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import permissions, serializers


def only_v1(endpoints, **kwargs):
    """Preprocessing hook: Wagtail's headless API (/api/cms/v2/) documents itself."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


DETAIL = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})
VALIDATION = {
    "type": "object",
    "description": "Field name (or non_field_errors) → list of messages.",
    "additionalProperties": {},
}

ERRORS = {
    "400": OpenApiResponse(VALIDATION, description="Invalid input: messages by field."),
    "401": OpenApiResponse(DETAIL, description="Missing, invalid or revoked credentials."),
    "403": OpenApiResponse(DETAIL, description="Not allowed."),
    "404": OpenApiResponse(DETAIL, description="Not found, or not visible to you."),
    "429": OpenApiResponse(DETAIL, description="Too many requests: retry later."),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["401"]
        is_list = self.method == "GET" and self._is_list_view()
        if self.method in ("POST", "PUT", "PATCH") or is_list:
            codes.append("400")
        open_read = self.method == "GET" and all(
            isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()
        )
        if not open_read:
            codes.append("403")
        if "{" in self.path or is_list:
            codes.append("404")
        if getattr(self.view, "throttle_scope", None) or self.view.get_throttles():
            codes.append("429")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[code], code)
        return responses
