from django.urls import path

from modules.polls import api, api_staff

urlpatterns = [
    path("", api.PollListApi.as_view(), name="list"),
    path("<int:poll_id>/", api.PollDetailApi.as_view(), name="detail"),
    path("<int:poll_id>/vote/", api.PollVoteApi.as_view(), name="vote"),
    path("<int:poll_id>/results/", api.PollResultsApi.as_view(), name="results"),
]
# The town hall's routes, under manage/ (polls-staff's module).
urlpatterns += api_staff.urlpatterns
