"""Open311 GeoReport v2 output: the same data as JSON or as the specification's XML.

Every answer is built once as plain Python (dicts, lists, strings, numbers, booleans,
``None``) and written by :func:`render` in the format the path's extension asks for.
XML follows the specification's examples: a root (``services``, ``service_requests``,
``service_definition``, ``discovery``, ``errors``), one element per list item named
after its list (``LIST_ITEMS``: ``services`` → ``service``, ``attributes`` →
``attribute``…), ``true``/``false`` for booleans and an empty element for ``None``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

FORMATS = ("json", "xml")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}

# The element of each item of a list, by the list's name (the specification's XML).
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


class FormatConverter:
    """``<fmt:format>`` in the URL patterns: the two formats, nothing else."""

    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def w3c(moment: datetime | None, tzinfo) -> str | None:
    """A W3C datetime (ISO 8601 with the offset) in the commune's time zone."""
    if moment is None:
        return None
    return moment.astimezone(tzinfo).isoformat(timespec="seconds")


# Characters XML 1.0 cannot carry (control characters other than tab and newlines).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return NOT_XML.sub("", str(value))


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    _fill(element, tag, value)


def _fill(element: ElementTree.Element, tag: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list | tuple):
        item_tag = LIST_ITEMS.get(tag, "item")
        for item in value:
            _append(element, item_tag, item)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    """``data`` under the element ``root``, with the XML declaration (UTF-8)."""
    element = ElementTree.Element(root)
    _fill(element, root, data)
    body = ElementTree.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def render(data: Any, *, root: str, format: str, status: int = 200) -> HttpResponse:
    """The answer in ``format``: JSON as is, XML under ``root``."""
    body = to_xml(root, data) if format == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[format])


def errors(
    items: Iterable[tuple[int, str]] | None = None,
    *,
    status: int,
    format: str = "json",
    description: str = "",
) -> HttpResponse:
    """The specification's error list: ``[{"code": 404, "description": "…"}]`` or
    ``<errors><error><code>404</code><description>…</description></error></errors>``."""
    pairs = list(items) if items is not None else [(status, description)]
    data = [{"code": code, "description": str(text)} for code, text in pairs]
    return render(data, root="errors", format=format, status=status)
