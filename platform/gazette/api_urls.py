from django.urls import URLPattern, URLResolver, path

from gazette import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", api.PostListCreateApi.as_view(), name="list"),
    path("<int:post_id>/", api.PostDetailApi.as_view(), name="detail"),
    path("<int:post_id>/comments/", api.CommentListCreateApi.as_view(), name="comments"),
    path(
        "<int:post_id>/comments/<int:comment_id>/",
        api.CommentDetailApi.as_view(),
        name="comment",
    ),
    path("<int:post_id>/photos/<int:photo_id>/", api.PhotoApi.as_view(), name="photo"),
    path("<int:post_id>/files/<int:file_id>/", api.FileApi.as_view(), name="file"),
]
