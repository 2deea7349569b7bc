"""The référent kit's documents in tests (CTY-12): a PDF in the kit's collection."""

from __future__ import annotations

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from communities.kit import kit_collection

CONTENT = b"%PDF-1.4\n% Guide du referent\n"


def document(collection=None, name="guide-referent.pdf", content=CONTENT):
    """A Wagtail document, in the kit's collection unless told otherwise."""
    return get_document_model().objects.create(
        title="Guide du référent",
        file=ContentFile(content, name=name),
        collection=collection or kit_collection(),
    )
