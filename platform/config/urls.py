import re

from django.conf import settings
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from api.cms import cms_router
from core import consent_views
from core import views as core_views
from core.modules import module_urls, registry

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/cms/v2/", cms_router.urls),  # Wagtail's own namespace: wagtailapi
    path("api/", include("api.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("compte/communes/", include("communes.urls")),
    # An invitation to a town-hall role (police…), for a person who registers first.
    path("", include("communes.invitation_views")),
    path("compte/", include("accounts.urls")),
    path("communautes/", include("communities.urls")),
    path("commentaires/", include("conversations.urls")),
    path("gazette/", include("gazette.urls")),
    path("messages/", include("messaging.urls")),
    # Reports, decisions and "Contacter l'équipe" (signaler/, mes-signalements/, contact/).
    path("", include("moderation.urls")),
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

# Standard protocols of modules (Open311 GeoReport v2 at /open311/v2/): a fixed path on
# every host, not guarded; the module names the commune and answers in the protocol's
# own format for one that has it off.
urlpatterns += [
    path(protocol.prefix, include(protocol.urls))
    for module in registry
    for protocol in module.protocol_urls
]

# Uploaded media in the demo (DEBUG off, no web server in front): a demo-only route,
# since static() serves nothing once DEBUG is off. Production's web server serves them.
if settings.SERVE_MEDIA or settings.DEBUG:
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

urlpatterns += [path("cookies/", consent_views.cookies, name="cookies")]
urlpatterns += [path("", include(wagtail_urls))]
