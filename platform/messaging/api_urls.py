"""Mounted by api/urls.py under /api/v1/messages/."""

from django.urls import URLPattern, URLResolver, path

from messaging import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("threads/", api.ThreadListCreateApi.as_view(), name="threads"),
    path("threads/<int:thread_id>/", api.ThreadDetailApi.as_view(), name="thread"),
    path("threads/<int:thread_id>/messages/", api.MessageListCreateApi.as_view(), name="messages"),
    path("threads/<int:thread_id>/read/", api.ReadApi.as_view(), name="read"),
    path("recipients/", api.RecipientSearchApi.as_view(), name="recipients"),
    path("blocks/", api.BlockListCreateApi.as_view(), name="blocks"),
    path("blocks/<int:user_id>/", api.BlockDeleteApi.as_view(), name="block"),
    path("unread/", api.UnreadApi.as_view(), name="unread"),
    path("referents/", api.ReferentThreadCreateApi.as_view(), name="referent_threads"),
    path(
        "town-halls/<slug:commune_slug>/threads/",
        api.TownHallThreadListCreateApi.as_view(),
        name="town_hall_threads",
    ),
    path(
        "town-halls/<slug:commune_slug>/threads/<int:thread_id>/",
        api.TownHallThreadDetailApi.as_view(),
        name="town_hall_thread",
    ),
    path(
        "town-halls/<slug:commune_slug>/threads/<int:thread_id>/messages/",
        api.TownHallMessageListCreateApi.as_view(),
        name="town_hall_messages",
    ),
]
