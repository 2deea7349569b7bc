"""Background work of accounts: locating addresses the geocoder could not locate at once.

A registration (or an address change) never waits for the geocoder: when it is
unavailable the address is kept without a point and a ``PendingLocation`` row remembers
it (``accounts.services.locate_later``). ``locate_home(user_id)`` makes one attempt;
after a failure of the provider it waits longer (``GEOCODER_RETRY_DELAYS``) and gives up
when they run out. An address the provider does not know, or a point outside the
commune, ends the attempts at once. Giving up tells the person by email to place
the point on the map. ``locate_pending_homes`` (every 5 minutes) runs the attempts that
are due, should a one-off schedule have been lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts import services
from accounts.geocoding import GeocodingUnavailable, geocoder_for_commune
from accounts.models import PendingLocation
from communes.services import commune_url
from core.access import is_open_account

logger = logging.getLogger("voisinage.geocoding")

# While an attempt runs, its row is claimed for this long (a second worker skips it).
CLAIM = timedelta(minutes=5)
SWEEP_BATCH = 200


def _claim(user_id: int) -> PendingLocation | None:
    now = timezone.now()
    claimed = PendingLocation.objects.filter(user_id=user_id, next_attempt_at__lte=now).update(
        next_attempt_at=now + CLAIM
    )
    if not claimed:
        return None
    return PendingLocation.objects.select_related("user", "commune").filter(user_id=user_id).first()


def locate_home(user_id: int) -> str:
    """One attempt at locating a person's address; returns what happened (for the logs)."""
    pending = _claim(user_id)
    if pending is None:
        return "not due"
    user = pending.user
    if not is_open_account(user) or not user.address:
        pending.delete()
        return "dropped"
    if user.location is not None:  # placed by the person in the meantime
        pending.delete()
        return "already located"
    commune = pending.commune
    try:
        results = geocoder_for_commune(commune).search(user.address, limit=1, near=commune)
    except GeocodingUnavailable:
        return _retry_later(pending)
    if not results:
        return _give_up(pending, "not_found")
    try:
        services.pending_location_resolve(user=user, location=results[0].point, commune=commune)
    except ValidationError:
        return _give_up(pending, "refused")
    return "located"


def _retry_later(pending: PendingLocation) -> str:
    attempts = pending.attempts + 1
    delay = services.retry_delay(attempts)
    if delay is None:
        return _give_up(pending, "unavailable")
    when = timezone.now() + delay
    PendingLocation.objects.filter(pk=pending.pk).update(attempts=attempts, next_attempt_at=when)
    transaction.on_commit(lambda: services.schedule_locate(pending.user_id, when))
    return "retry"


def _give_up(pending: PendingLocation, reason: str) -> str:
    """The person places the point themselves: they are told by email."""
    user = pending.user
    commune = pending.commune
    pending.delete()
    logger.info("address of user %s not located (%s)", user.pk, reason)
    path = reverse("accounts:address")
    if commune is not None:
        link = commune_url(commune, path)
    else:
        link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
    with translation.override(settings.LANGUAGE_CODE):
        services.send_account_email(
            to=user.email,
            template="address_not_located",
            context={"user": user, "link": link, "reason": reason, "commune": commune},
        )
    return f"gave up ({reason})"


def locate_pending_homes() -> int:
    """The sweep: every attempt that is due; returns how many ran."""
    due = list(
        PendingLocation.objects.filter(next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("user_id", flat=True)[:SWEEP_BATCH]
    )
    for user_id in due:
        locate_home(user_id)
    return len(due)
