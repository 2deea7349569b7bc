"""Cursor pagination that never answers 500 to a cursor it did not make.

DRF decodes ``?cursor=`` and filters on the position it carries: a cursor edited by
hand (``cD1hYmM=`` is ``p=abc``, not a date nor an id) raised ``ValueError`` or a
``ValidationError`` while building the query, a 500 on every cursor-paginated list, and
DRF's own "Invalid cursor" is a 404 (``NotFound``), which a site page turned into a 500.

* In the API (a view is given): 400 on ``cursor`` with a French message.
* On a site page (the site's views paginate with ``view=None``): a stale or edited link
  shows the first page instead.

Every cursor paginator of the project (core apps, modules, the API) derives from this one.
"""

from __future__ import annotations

from copy import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

MALFORMED = (NotFound, ValueError, TypeError, OverflowError, DjangoValidationError)


def _without(request, name: str):
    """``request`` (DRF's or Django's) without the query parameter ``name``."""
    django_request = copy(getattr(request, "_request", request))
    query = django_request.GET.copy()
    query.pop(name, None)
    django_request.GET = query
    return Request(django_request)


class CursorPagination(pagination.CursorPagination):
    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except MALFORMED as error:
            if view is None:
                return super().paginate_queryset(
                    queryset, _without(request, self.cursor_query_param), view
                )
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        _("This cursor is not valid: start again from the first page.")
                    ]
                }
            ) from error
