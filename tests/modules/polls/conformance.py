"""Objects for the registry-wide conformance test (tests/platform/core)."""

from datetime import timedelta

from django.utils import timezone

from modules.polls.services import poll_create


def make(world) -> dict:
    """An open poll of Saint-Malo, published by the superuser (the town hall's rights)."""
    now = timezone.now()
    poll = poll_create(
        commune=world.commune,
        by=world.superuser,
        question="Faut-il un marché le dimanche ?",
        choices=["Oui", "Non"],
        opens_at=now,
        closes_at=now + timedelta(days=7),
    )
    return {"pk": poll.pk, "poll_id": poll.pk}
