"""Site pages of communities, on the commune's host under /communautes/."""

from django.urls import include, path

from communities import views

app_name = "communities"
urlpatterns = [
    path("", views.community_list, name="list"),
    path("creer/", views.create, name="create"),
    path("ma-communaute/", views.mine, name="mine"),
    path("quitter/", views.leave, name="leave"),
    path("limites.geojson", views.boundaries, name="boundaries"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rejoindre/", views.join, name="join"),
    path("<int:pk>/annuaire/", views.directory, name="directory"),
    path("<int:pk>/historique/", views.history, name="history"),
    path("<int:pk>/demandes/", views.requests, name="requests"),
    path("<int:pk>/referents/", views.referents, name="referents"),
    path(
        "<int:pk>/exclusion/<int:user_pk>/",
        views.exclusion_request,
        name="exclusion_request",
    ),
    path("<int:pk>/inviter/", views.invite, name="invite"),
    path("<int:pk>/parametres/", views.community_settings, name="settings"),
    path("<int:pk>/fusion/", views.merge, name="merge"),
    path("kit/", include("communities.kit")),
]
