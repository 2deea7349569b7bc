"""Ids read from URLs and request bodies: a positive integer the database can hold, or 404.

A path converter already gives an ``int``; a huge one (or a query parameter) must still
answer 404 on PostgreSQL and SQLite alike, never a 500 from an overflowing bigint.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

MAX_ID = 2**63  # bigint's upper bound (exclusive)


def positive_id(value: Any) -> int:
    """``value`` as a positive id, or Http404."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < MAX_ID:
        raise Http404
    return number
