"""Content for validated residents only (ACC-10): one guard for site views, one for the API.

A person who follows a commune sees its residents-only content once the town
hall validated the request; until then (pending, refused, not following) they
see its public pages only. The commune's own staff (town hall, hosting
partner) see everything. Modules reuse these two pieces:

* site views: ``@validated_resident_required`` (404 off a commune's host,
  login page for visitors, an explanation page with a "follow" button for
  the others, status 403);
* API views: ``permission_classes = [..., IsAuthenticated, ValidatedResident]``
  (403 with a message saying what to do).
"""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from communes.selectors import follow_of, sees_resident_content

_CACHE_ATTR = "_sees_resident_content"


def request_sees_resident_content(request, commune=None) -> bool:
    """:func:`communes.selectors.sees_resident_content` for the request's user, once a request."""
    commune = commune if commune is not None else getattr(request, "commune", None)
    if commune is None:
        return False
    cache = request.__dict__.setdefault(_CACHE_ATTR, {})
    if commune.pk not in cache:
        cache[commune.pk] = sees_resident_content(request.user, commune)
    return cache[commune.pk]


def validated_resident_required(view):
    """Site view decorator: the commune of the host, a logged-in validated resident or staff."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        commune = getattr(request, "commune", None)
        if commune is None:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request_sees_resident_content(request, commune):
            return render(
                request,
                "communes/resident_required.html",
                {"follow": follow_of(request.user, commune)},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


class ValidatedResident(BasePermission):
    """DRF: residents the commune (``request.commune``) validated, and its staff."""

    message = _(
        "This content is for residents validated by the town hall. Follow the commune "
        "(POST /api/v1/me/follows/) and wait for the town hall to validate your request."
    )
    code = "not_validated_resident"

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return request_sees_resident_content(request, getattr(request, "commune", None))
