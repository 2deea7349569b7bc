from django.urls import path

from modules.alerts import api

urlpatterns = [
    path("", api.AlertListApi.as_view(), name="list"),
    path("banner/", api.BannerApi.as_view(), name="banner"),
    path("town-hall/", api.TownHallAlertApi.as_view(), name="town-hall"),
    path("<int:alert_id>/", api.AlertDetailApi.as_view(), name="detail"),
    path("<int:alert_id>/read/", api.AlertReadApi.as_view(), name="read"),
]
