"""Signals moderation listens to."""

from __future__ import annotations

from typing import Any


def content_held(
    sender: Any, *, kind: str, instance: Any, reason: str = "repeated_text", **kwargs: Any
) -> None:
    """Abuse control held an item: it waits in the moderators' queue."""
    from moderation.services import hold

    hold(kind=kind, instance=instance, reason=reason)
