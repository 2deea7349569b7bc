from django.urls import path

from modules.suggestions import api, api_staff

urlpatterns = [
    path("", api.SuggestionListCreateApi.as_view(), name="list"),
    path("mine/", api.MySuggestionsApi.as_view(), name="mine"),
    path("<int:suggestion_id>/", api.SuggestionDetailApi.as_view(), name="detail"),
    path("<int:suggestion_id>/photo/", api.SuggestionPhotoApi.as_view(), name="photo"),
    path("<int:suggestion_id>/vote/", api.SuggestionVoteApi.as_view(), name="vote"),
    path("<int:suggestion_id>/follow/", api.SuggestionFollowApi.as_view(), name="follow"),
    path("<int:suggestion_id>/comments/", api.SuggestionCommentsApi.as_view(), name="comments"),
    *api_staff.urlpatterns,
]
