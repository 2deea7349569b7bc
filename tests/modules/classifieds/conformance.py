"""Objects for the registry-wide conformance test (tests/platform/core)."""

from modules.classifieds.models import Classified
from modules.classifieds.services import classified_create


def make(world) -> dict:
    """An open ad of the référent in Saint-Malo: it would expire within a year."""
    ad = classified_create(
        commune=world.commune,
        author=world.referent,
        kind=Classified.Kind.OFFER,
        title="Tonte de pelouse",
        description="Je tonds votre pelouse le samedi matin.",
        contact="06 12 34 56 78",
    )
    return {"pk": ad.pk, "classified_id": ad.pk}
