"""Reads on classifieds, scoped to the commune and to who asks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from accounts.selectors import is_open_account
from communes.selectors import communes_of_staff
from core.admin_scope import CommuneScope
from modules.classifieds.models import Classified
from privacy.published import PublishedContact, published_contact

if TYPE_CHECKING:
    from accounts.models import User
    from communes.models import Commune

MODULE_LABEL = "classifieds"


def classifieds_open(*, commune: Commune, kind: str | None = None) -> QuerySet[Classified]:
    """Open classifieds of ``commune``, newest first (those past their end and those
    moderation hid are left out)."""
    queryset = Classified.objects.open().filter(commune=commune, hidden_at__isnull=True)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-created_at", "-pk")


def classifieds_latest(*, commune: Commune, count: int = 3) -> list[Classified]:
    return list(classifieds_open(commune=commune)[:count])


def classifieds_of_author(*, commune: Commune, author: User) -> QuerySet[Classified]:
    """Everything ``author`` published in ``commune``, closed and expired included."""
    if author is None or not author.is_authenticated:
        return Classified.objects.none()
    return Classified.objects.filter(commune=commune, author=author).order_by("-created_at", "-pk")


def can_change_classified(user: User, classified: Classified) -> bool:
    """Its author changes and closes a classified; nobody else (the town hall moderates)."""
    return is_open_account(user) and classified.author_id == user.pk


def can_moderate_classified(user: User, classified: Classified) -> bool:
    """The town hall and the hosting partner of its commune, and superusers."""
    return user_can_moderate_commune(user, classified.commune)


def access_classified(
    user: User, pk: int, *, commune: Commune, include_hidden: bool = False
) -> Classified:
    """The classified ``pk`` of ``commune`` as ``user`` reads it (site and API alike).

    An open classified is read by anyone the page lets in; one that is closed or expired
    by its author only. Http404 alike for a missing classified, another commune's and
    one ``user`` may not see.
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
    if not classified.is_open and not can_change_classified(user, classified):
        raise Http404
    if (
        classified.hidden_at is not None
        and not include_hidden
        and not can_change_classified(user, classified)
    ):
        raise Http404
    return classified


def access_own_classified(user: User, pk: int, *, commune: Commune) -> Classified:
    """A classified of ``commune`` that ``user`` may change or close: 404 alike for "no such"
    and "not yours" (never a 403 that would confirm it exists)."""
    classified = access_classified(user, pk, commune=commune)
    if not can_change_classified(user, classified):
        raise Http404
    return classified


def contact_of(classified: Classified) -> PublishedContact:
    """What the author chose to show on this classified: phones and/or e-mail, or nothing."""
    return published_contact(
        classified.author, phone=classified.show_phone, email=classified.show_email
    )


# --- staff ------------------------------------------------------------------


def communes_moderated_by(user: User) -> QuerySet:
    """Communes whose classifieds ``user`` may moderate: their town hall or hosting partner."""
    return communes_of_staff(user)


def user_can_moderate_commune(user: User, commune: Commune) -> bool:
    if not is_open_account(user):
        return False
    if user.is_superuser:
        return True
    return communes_moderated_by(user).filter(pk=commune.pk).exists()


# The admin's scope (core.admin_scope): the host's commune, or those with the module on;
# superusers see every commune, anyone else the communes they moderate.
STAFF_SCOPE = CommuneScope(staff_communes=communes_moderated_by, module_label=MODULE_LABEL)


def classifieds_for_staff(*, user: User, commune: Commune | None = None) -> QuerySet[Classified]:
    """What the admin lists: the commune of the host, or every commune with the module on.

    Non-superusers only see communes they moderate.
    """
    return STAFF_SCOPE.filter(
        Classified.objects.select_related("commune"), user=user, commune=commune
    )
