from django.urls import path

from modules.polls import views

app_name = "polls"
urlpatterns = [
    path("", views.poll_list, name="list"),
    path("<int:pk>/", views.poll_detail, name="detail"),
    path("<int:pk>/voter/", views.poll_vote, name="vote"),
]
