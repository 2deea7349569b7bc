from django.urls import path

from modules.reports import api, api_staff

urlpatterns = [
    path("", api.ProblemListCreateApi.as_view(), name="list"),
    path("nearby/", api.ProblemNearbyApi.as_view(), name="nearby"),
    path("map/", api.ProblemMapApi.as_view(), name="map"),
    path("categories/", api.ProblemCategoriesApi.as_view(), name="categories"),
    path("<int:problem_id>/", api.ProblemDetailApi.as_view(), name="detail"),
    path("<int:problem_id>/follow/", api.ProblemFollowApi.as_view(), name="follow"),
    path("<int:problem_id>/fixed/", api.ProblemFixedApi.as_view(), name="fixed"),
    *api_staff.urlpatterns,
]
