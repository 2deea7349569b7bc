from django.conf import settings

from core.modules import registry
from core.themes import current_theme


def platform(request):
    commune = getattr(request, "commune", None)
    enabled = registry.enabled_labels(commune) if commune is not None else frozenset()
    return {
        "commune": commune,
        "theme_name": current_theme(),
        "enabled_modules": enabled,
        "site_modules": [m for m in registry if m.module_label in enabled and m.site_urls],
        "platform_name": settings.WAGTAIL_SITE_NAME,
    }
