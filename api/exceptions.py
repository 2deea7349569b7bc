"""Uniform API errors: DRF's field messages for 400, and Django's own errors mapped.

A ``django.core.exceptions.ValidationError`` raised by a service (the business
rule lives there, not in the serializer) becomes a 400 with field messages
instead of a 500. A write refused by abuse control (``core.abuse.RateLimited``, too
many items this hour) becomes a 429 with ``Retry-After`` and the French ``detail``
("… Réessayez dans 12 minutes.").
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler

from core.abuse import RateLimited


class TooManyWrites(exceptions.APIException):
    """429 with the service's own sentence (DRF's Throttled would append its English)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, detail: str, wait: int) -> None:
        super().__init__(detail)
        self.wait = wait  # DRF's handler sends it as Retry-After


def exception_handler(exc, context):
    if isinstance(exc, RateLimited):
        exc = TooManyWrites(exc.message, exc.retry_after)
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == NON_FIELD_ERRORS else field): [str(m) for m in msgs]
                for field, msgs in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)
