from django.urls import path

from modules.groups import api

urlpatterns = [
    path("", api.GroupListCreateApi.as_view(), name="list"),
    path("<int:group_id>/", api.GroupDetailApi.as_view(), name="detail"),
    path("<int:group_id>/join/", api.GroupJoinApi.as_view(), name="join"),
    path("<int:group_id>/subscription/", api.GroupSubscriptionApi.as_view(), name="subscription"),
    path("<int:group_id>/posts/", api.PostListCreateApi.as_view(), name="posts"),
    path("<int:group_id>/posts/<int:post_id>/", api.PostDetailApi.as_view(), name="post"),
    path("<int:group_id>/requests/", api.RequestListApi.as_view(), name="requests"),
    path(
        "<int:group_id>/requests/<int:request_id>/decide/",
        api.RequestDecideApi.as_view(),
        name="decide",
    ),
]
