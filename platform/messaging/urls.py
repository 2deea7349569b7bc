from django.urls import URLPattern, URLResolver, path

from messaging import views

app_name = "messaging"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox_view, name="inbox"),
    path("nouveau/", views.new_thread_view, name="new"),
    path("<int:pk>/", views.thread_view, name="thread"),
    path("mairie/<slug:commune_slug>/", views.town_hall_view, name="town_hall"),
    path("bloques/", views.blocks_view, name="blocks"),
    path("bloquer/<int:user_id>/", views.block_view, name="block"),
]
