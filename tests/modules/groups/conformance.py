"""Objects for the registry-wide conformance test (tests/platform/core)."""

from modules.groups.services import group_create, post_create


def make(world) -> dict:
    """A group of Saint-Malo with a post of the town hall."""
    group = group_create(
        commune=world.commune,
        by=world.superuser,
        title="Jardins partagés",
        description="Pour organiser les parcelles.",
    )
    post = post_create(group=group, author=world.superuser, body="Bienvenue.")
    return {"pk": group.pk, "post_id": post.pk}
