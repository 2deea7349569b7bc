from django.urls import path

from communes import views

app_name = "communes"
urlpatterns = [
    path("", views.follow_list, name="follows"),
    path("suivre/", views.follow_create, name="follow"),
    path("<slug:slug>/ne-plus-suivre/", views.follow_delete, name="unfollow"),
]
