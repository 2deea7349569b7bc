from django.urls import path

from modules.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("signaler/", views.report_new, name="new"),
    path("proches/", views.nearby_view, name="nearby"),
    path("carte.geojson", views.geojson_view, name="geojson"),
    path("photos/<uuid:key>.jpg", views.photo_view, name="photo"),
    path(
        "photos/<uuid:key>-vignette.jpg",
        views.photo_view,
        {"size": "thumbnail"},
        name="thumbnail",
    ),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/suivre/", views.follow_view, name="follow"),
    path("<int:pk>/corrige/", views.fixed_view, name="fixed"),
]
