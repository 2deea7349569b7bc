from django.urls import path

from modules.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.index, name="index"),
    path("envoyer/", views.send, name="send"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/lue/", views.mark_read, name="read"),
]
