from django.urls import URLPattern, URLResolver, path

from gazette import views

app_name = "gazette"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("publier/", views.publish, name="publish"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/commenter/", views.comment, name="comment"),
    path(
        "<int:pk>/commentaires/<int:comment_id>/modifier/",
        views.comment_edit,
        name="comment_edit",
    ),
    path("<int:pk>/photos/<int:photo_id>/", views.photo, name="photo"),
    path("<int:pk>/fichiers/<int:file_id>/", views.document, name="file"),
]
