"""Objects for the registry-wide conformance test (tests/platform/core)."""

from modules.alerts.services import send_community_alert


def make(world) -> dict:
    """An alert the member sent to their community (the référent reads it)."""
    alert = send_community_alert(author=world.member, text="Fuite de gaz rue de la Pie.")
    return {"pk": alert.pk, "alert_id": alert.pk}
