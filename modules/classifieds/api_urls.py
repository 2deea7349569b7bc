from django.urls import path

from modules.classifieds import api, api_staff

urlpatterns = [
    path("", api.ClassifiedListCreateApi.as_view(), name="list"),
    path("mine/", api.ClassifiedMineApi.as_view(), name="mine"),
    path("<int:classified_id>/", api.ClassifiedDetailApi.as_view(), name="detail"),
    path("<int:classified_id>/close/", api.ClassifiedCloseApi.as_view(), name="close"),
    # The town hall's moderation (api_staff).
    path("manage/", api_staff.ManageListApi.as_view(), name="manage"),
    path("manage/<int:classified_id>/", api_staff.ManageDetailApi.as_view(), name="manage-detail"),
]
