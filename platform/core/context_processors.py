from django.conf import settings
from django.utils.functional import SimpleLazyObject

from core.modules import registry
from core.signals import site_banners
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
        # Computed only when a template shows them (base.html, once per page).
        "site_banners": SimpleLazyObject(lambda: site_banners(commune, request)),
    }
