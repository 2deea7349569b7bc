from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from api.cms import cms_router
from core import consent_views
from core import views as core_views
from core.modules import module_urls, registry

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/cms/v2/", cms_router.urls),  # Wagtail's own namespace: wagtailapi
    path("api/", include("api.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("compte/communes/", include("communes.urls")),
    path("compte/", include("accounts.urls")),
    path("communautes/", include("communities.urls")),
    path("", include("notifications.urls")),  # notifications/…, n/<token>/, sw.js
    path("anymail/", include("anymail.urls")),
    path("sitemap.xml", sitemap, name="sitemap"),
]

# Each module's site URLs, on the commune's host, behind the module guard.
urlpatterns += [
    path(f"{module.url_prefix}/", module_urls(module, "site"))
    for module in registry
    if module.site_urls
]

# Providers' webhooks of modules: one address for every commune, so not guarded by a
# commune's switch; the module answers for a commune that has it off.
urlpatterns += [
    path(f"webhooks/{module.module_label}/", include(module.webhook_urls))
    for module in registry
    if module.webhook_urls
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("cookies/", consent_views.cookies, name="cookies")]
urlpatterns += [path("", include(wagtail_urls))]
