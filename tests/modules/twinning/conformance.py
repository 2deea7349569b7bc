"""Objects for the registry-wide conformance test (tests/platform/core)."""

from modules.twinning.models import Twinning


def make(world) -> dict:
    """The référent's community twinned with its neighbour; its pages are the community's."""
    pair = sorted([world.here, world.near], key=lambda community: community.pk)
    twinning = Twinning.objects.create(
        community_a=pair[0],
        community_b=pair[1],
        status=Twinning.Status.ACTIVE,
        proposing_community=world.here,
    )
    return {"pk": world.here.pk, "twinning_id": twinning.pk}
