"""Objects for the registry-wide conformance test (tests/platform/core)."""

from modules.suggestions.services import comment_write, vote_cast
from tests.modules.suggestions.helpers import propose, publish


def make(world) -> dict:
    """A published suggestion of Saint-Malo, voted for with a comment, and its comment."""
    suggestion = publish(propose(world.commune, world.member))
    vote = vote_cast(suggestion=suggestion, user=world.referent, in_favour=True, comment="Oui !")
    comment_write(suggestion=suggestion, author=world.member, body="Merci.")
    return {"pk": suggestion.pk, "suggestion_id": suggestion.pk, "comment_id": vote.comment_id}
