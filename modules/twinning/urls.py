from django.urls import path

from modules.twinning import views

app_name = "twinning"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.community_twinnings, name="community"),
]
