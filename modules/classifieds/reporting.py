"""What moderation reads of classifieds (ReportableKind "classifieds.classified")."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from modules.classifieds.selectors import access_classified


def can_see(user, classified) -> bool:
    try:
        access_classified(user, classified.pk, commune=classified.commune, include_hidden=True)
    except Http404:
        return False
    return True


def link(classified) -> str:
    return reverse("classifieds:detail", args=[classified.pk])
