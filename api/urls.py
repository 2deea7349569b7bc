from django.http import Http404
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api.v1 import (
    account,
    auth,
    commune_communities,
    communes,
    communities,
    follows,
    geocoding,
    me,
    notifications,
    partner,
    platform_merges,
    platform_staff,
    referent_kit,
    town_hall,
)
from conversations import api_urls as comment_urls
from core.modules import module_urls, registry
from gazette import api_urls as gazette_urls
from messaging import api_urls as messaging_urls
from moderation import api_urls as moderation_urls
from moderation.support import api_urls as support_urls

v1_patterns: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:v1:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:v1:schema"), name="redoc"),
    path("auth/", include(auth.urlpatterns)),
    path("accounts/", include(account.accounts_patterns)),
    path("me/", include(account.me_patterns)),
    # The town hall's settings and staff roles (COM-2), its communities and their référents
    # for the town hall and the police (COM-2): communes/<slug>/settings/, staff/, communities/.
    path("communes/", include(town_hall.urlpatterns)),
    path("communes/", include(commune_communities.urlpatterns)),
    path("communes/", include(communes.urlpatterns)),
    path("", include(follows.urlpatterns)),  # me/follows/, communes/<slug>/follows/
    path("", include(communities.urlpatterns)),  # communities/…, me/community/, merge-proposals/…
    path("geocoding/", include(geocoding.urlpatterns)),
    path("me/", include(me.urlpatterns)),
    path("me/", include(notifications.urlpatterns)),
    path("partner/", include(partner.urlpatterns)),
    # The platform's staff: communities (area cap, boundary, validation mode), membership
    # requests sent to them, exclusions (CTY-2, CTY-4, CTY-8) and merges (CTY-12).
    path("platform/", include(platform_staff.urlpatterns)),
    path("platform/", include(platform_merges.urlpatterns)),
    # The référents' kit (CTY-12), documents managed in the CMS.
    path("referent-kit/", include(referent_kit.urlpatterns)),
    # Comments on a commune's news (core app conversations, CNT-1).
    path(
        "communes/<slug:commune_slug>/news/<int:page_id>/comments/",
        include((comment_urls.urlpatterns, "comments")),
    ),
    # A community's gazette, for its members only (core app gazette, CNT-2).
    path(
        "communities/<int:community_id>/gazette/",
        include((gazette_urls.urlpatterns, "gazette")),
    ),
    # Private messages and the town halls' inboxes (core app messaging, CNT-3).
    path("messages/", include((messaging_urls.urlpatterns, "messages"))),
    # Reports, the decisions about you and the moderators' queue (core app moderation, CNT-5).
    path("reports/", include((moderation_urls.report_patterns, "reports"))),
    path("moderation/", include((moderation_urls.moderation_patterns, "moderation"))),
    # The platform's support desk, "Contacter l'équipe" (moderation.support, CNT-7).
    path("support/", include((support_urls.urlpatterns, "support"))),
]

# Each module's API routes, under its commune, behind the module guard.
v1_patterns += [
    path(f"communes/<slug:commune_slug>/{module.module_label}/", module_urls(module, "api"))
    for module in registry
    if module.api_urls
]


@csrf_exempt
def not_routed(request, *args, **kwargs):
    """Anything else under /api/: the JSON 404 (``core.views.page_not_found``), whatever the
    method. Without it a POST to an address no API route matches (a commune slug with
    non-ASCII letters, say) fell through to Wagtail's pages and got Django's HTML CSRF 403."""
    raise Http404


app_name = "api"
urlpatterns = [
    path("v1/", include((v1_patterns, "v1"), namespace="v1")),
    re_path(r"", not_routed),
]
