from django.urls import path

from conversations import views

app_name = "conversations"
urlpatterns = [
    path("actualites/<int:page_id>/", views.comment_create_view, name="comment_create"),
    path("<int:pk>/modifier/", views.comment_edit_view, name="comment_edit"),
]
