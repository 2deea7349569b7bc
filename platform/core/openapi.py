"""OpenAPI pieces every app's API shares, declared once."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"

#: The `{commune_slug}` path parameter of every commune-scoped route.
COMMUNE_SLUG = OpenApiParameter(
    "commune_slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Slug of the commune.",
    pattern=SLUG_PATTERN,
)


def path_id(name: str, description: str = "") -> OpenApiParameter:
    """A positive integer id in the path (`{alert_id}`, `{community_id}`…)."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1},
        OpenApiParameter.PATH,
        description=description or "Id.",
    )
