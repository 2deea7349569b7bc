"""Mounted by api/urls.py under /api/v1/support/."""

from django.urls import URLPattern, URLResolver, path

from moderation.support import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("requests/", api.SupportRequestListCreateApi.as_view(), name="requests"),
    path("requests/<int:request_id>/", api.SupportRequestDetailApi.as_view(), name="request"),
    path("requests/<int:request_id>/messages/", api.SupportReplyApi.as_view(), name="reply"),
    path("desk/", api.DeskListApi.as_view(), name="desk"),
    path("desk/<int:request_id>/", api.DeskDetailApi.as_view(), name="desk_request"),
    path("desk/<int:request_id>/answer/", api.DeskAnswerApi.as_view(), name="desk_answer"),
    path("desk/<int:request_id>/overturn/", api.DeskOverturnApi.as_view(), name="desk_overturn"),
]
