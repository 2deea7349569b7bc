"""Reads on classifieds, scoped to the commune and to who asks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.selectors import is_open_account
from communes.selectors import communes_of_staff
from core.modules import registry
from modules.classifieds.models import Classified
from privacy.published import PublishedContact, published_contact

MODULE_LABEL = "classifieds"


def classifieds_open(*, commune, kind: str | None = None) -> QuerySet[Classified]:
    """Open classifieds of ``commune``, newest first (those past their end are left out)."""
    queryset = Classified.objects.open().filter(commune=commune)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-created_at", "-pk")


def classifieds_latest(*, commune, count: int = 3) -> list[Classified]:
    return list(classifieds_open(commune=commune)[:count])


def classifieds_of_author(*, commune, author) -> QuerySet[Classified]:
    """Everything ``author`` published in ``commune``, closed and expired included."""
    if author is None or not author.is_authenticated:
        return Classified.objects.none()
    return Classified.objects.filter(commune=commune, author=author).order_by("-created_at", "-pk")


def access_classified(*, commune, pk, viewer=None) -> Classified:
    """Fetch a classified of ``commune`` in one call: 404 alike for "no such" and "elsewhere".

    With ``viewer``, a classified that is no longer open is visible to its author only.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if commune is None or not 0 < pk < 2**63:
        raise Http404
    classified = Classified.objects.filter(commune=commune, pk=pk).first()
    if classified is None:
        raise Http404
    if viewer is not None and not classified.is_open and classified.author_id != viewer.pk:
        raise Http404
    return classified


def access_own_classified(*, commune, pk, user) -> Classified:
    """A classified of ``commune`` that ``user`` wrote: 404 alike for "no such" and "not yours"."""
    classified = access_classified(commune=commune, pk=pk)
    if user is None or not user.is_authenticated or classified.author_id != user.pk:
        raise Http404
    return classified


def contact_of(classified: Classified) -> PublishedContact:
    """What the author chose to show on this classified: phones and/or e-mail, or nothing."""
    return published_contact(
        classified.author, phone=classified.show_phone, email=classified.show_email
    )


# --- staff ------------------------------------------------------------------


def communes_moderated_by(user) -> QuerySet:
    """Communes whose classifieds ``user`` may moderate: their town hall or hosting partner."""
    return communes_of_staff(user)


def user_can_moderate_commune(user, commune) -> bool:
    if not is_open_account(user):
        return False
    if user.is_superuser:
        return True
    return communes_moderated_by(user).filter(pk=commune.pk).exists()


def classifieds_for_staff(*, user, commune=None) -> QuerySet[Classified]:
    """What the admin lists: the commune of the host, or every commune with the module on.

    Non-superusers only see communes they moderate.
    """
    queryset = Classified.objects.select_related("commune")
    if commune is not None:
        queryset = queryset.filter(commune=commune)
    else:
        queryset = queryset.filter(commune__in=registry.enabled_communes(MODULE_LABEL))
    if not user.is_superuser:
        queryset = queryset.filter(commune__in=communes_moderated_by(user).values("pk"))
    return queryset
