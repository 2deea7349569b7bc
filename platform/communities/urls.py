"""Site pages of communities, on the commune's host under /communautes/."""

from django.urls import include, path

from communities.views import (
    community,
    exclusions,
    invitations,
    membership,
    merges,
    mine,
    public,
    referents,
)

app_name = "communities"
urlpatterns = [
    path("", public.community_list, name="list"),
    path("creer/", mine.create, name="create"),
    path("ma-communaute/", mine.mine, name="mine"),
    path("quitter/", mine.leave, name="leave"),
    path("limites.geojson", public.boundaries, name="boundaries"),
    path("invitation/<str:token>/", invitations.invitation, name="invitation"),
    path("<int:pk>/", community.detail, name="detail"),
    path("<int:pk>/rejoindre/", mine.join, name="join"),
    path("<int:pk>/annuaire/", community.directory, name="directory"),
    path("<int:pk>/historique/", community.history, name="history"),
    path("<int:pk>/demandes/", membership.requests, name="requests"),
    path("<int:pk>/referents/", referents.referents, name="referents"),
    path(
        "<int:pk>/exclusion/<int:user_pk>/",
        exclusions.exclusion_request,
        name="exclusion_request",
    ),
    path("<int:pk>/inviter/", invitations.invite, name="invite"),
    path("<int:pk>/parametres/", community.community_settings, name="settings"),
    path("<int:pk>/fusion/", merges.merge, name="merge"),
    path("kit/", include("communities.kit")),
]
