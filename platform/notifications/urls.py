from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.centre, name="centre"),
    path("notifications/tout-lu/", views.mark_all_read, name="read_all"),
    path("notifications/<int:event_id>/", views.open_notification, name="open"),
    path("notifications/<int:event_id>/lu/", views.mark_read, name="read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/push/abonnement/", views.push_subscription, name="push_subscription"),
    # Short links of e-mails (NOT-3) and one-click unsubscribe (RFC 8058).
    path("n/desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("n/<str:token>/", views.follow_link, name="link"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("notifications/sms/<str:provider>/statut/", views.sms_status, name="sms_status"),
]
