from django.urls import path

from moderation import views

app_name = "moderation"

# Mounted at the site's root (config.urls): French paths residents read.
urlpatterns = [
    path("signaler/personne/<int:pk>/", views.report_person, name="report_person"),
    path("signaler/<str:kind>/<int:pk>/", views.report, name="report"),
    path("mes-signalements/", views.my_reports, name="my_reports"),
    path("moderation/decisions/<int:pk>/", views.decision, name="decision"),
    path("contact/", views.support, name="support"),
    path("contact/demandes/", views.support_mine, name="support_mine"),
    path("contact/demandes/<int:pk>/", views.support_detail, name="support_detail"),
]
