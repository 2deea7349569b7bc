from django.urls import path

from modules.classifieds import api

urlpatterns = [
    path("", api.ClassifiedListCreateApi.as_view(), name="list"),
    path("mine/", api.ClassifiedMineApi.as_view(), name="mine"),
    path("<int:classified_id>/", api.ClassifiedDetailApi.as_view(), name="detail"),
    path("<int:classified_id>/close/", api.ClassifiedCloseApi.as_view(), name="close"),
]
