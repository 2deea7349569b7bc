"""Request parsers of the APIs: DRF's, hardened against bodies that crash a decoder.

``json.loads`` raises ``RecursionError`` (not ``ValueError``, which DRF turns into a 400)
on a document nested deeper than the interpreter's recursion limit: 10 KB of ``[`` made
every JSON endpoint answer 500, before authentication. Here it is a 400 like any other
malformed body.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: the document is nested too deeply.")) from None
