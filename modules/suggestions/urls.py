from django.urls import path

from modules.suggestions import views

app_name = "suggestions"
urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("proposer/", views.suggestion_propose_view, name="propose"),
    path("mes-suggestions/", views.my_suggestions, name="mine"),
    path("<int:pk>/", views.suggestion_detail, name="detail"),
    path("<int:pk>/photo/", views.photo_view, name="photo"),
    path("<int:pk>/voter/", views.vote_view, name="vote"),
    path("<int:pk>/suivre/", views.follow_view, name="follow"),
    path(
        "<int:pk>/commentaires/<int:comment_id>/modifier/",
        views.comment_edit_view,
        name="comment_edit",
    ),
]
