from django.urls import path

from modules.twinning import api

urlpatterns = [
    path(
        "communities/<int:community_id>/twinnings/",
        api.CommunityTwinningsApi.as_view(),
        name="list",
    ),
    path(
        "communities/<int:community_id>/candidates/",
        api.CandidatesApi.as_view(),
        name="candidates",
    ),
    path("<int:twinning_id>/decision/", api.DecisionApi.as_view(), name="decision"),
    path("<int:twinning_id>/end/", api.EndApi.as_view(), name="end"),
    path("town-hall/twin-all/", api.TownHallTwinAllApi.as_view(), name="twin-all"),
    path("town-hall/undo/", api.TownHallUndoApi.as_view(), name="undo"),
]
