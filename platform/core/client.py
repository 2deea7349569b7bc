"""The client's address, one rule for every limit, lockout and log (issue 21, item 1).

Behind no proxy, the address is the connection's (``REMOTE_ADDR``): an
``X-Forwarded-For`` header is anyone's to write, and DRF (which took the whole header as
the client's identity) let a made-up one dodge every API rate limit. Behind a reverse
proxy, ``TRUSTED_PROXY_COUNT`` says how many proxies the project's own infrastructure
puts in front of it (nginx alone: 1; a CDN then nginx: 2): the client is the address the
outermost trusted proxy saw, the header's N-th entry from the right. Entries further
left were written by the client and are ignored.

Used by django-axes (``AXES_CLIENT_IP_CALLABLE``: lockouts, and every caller of
``axes.helpers.get_client_ip_address``: the audit log, password reset limits, the support
desk) and by DRF's throttles (``NUM_PROXIES``, the same count and the same rule).
See docs/deploy.md, "Client addresses".
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    candidate = hops[-min(count, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
