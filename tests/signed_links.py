"""Reading the engine's signed links in a test's e-mail."""

from __future__ import annotations


def link_targets(text: str) -> list[str]:
    """Where the engine's signed links (``/n/<token>/``) in ``text`` lead: each as its host
    and path ("http://saint-malo.localhost/compte/communes/"), in order."""
    import re

    from notifications.links import read_link

    targets = []
    for host, token in re.findall(r"(https?://[^/\s]+)/n/([^/\s]+)/", text):
        if token == "desabonnement":
            continue
        data = read_link(token)
        assert data.valid, token
        targets.append(host + data.path)
    return targets
