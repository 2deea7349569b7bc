from django.urls import path

from modules.alerts import inbound_views

app_name = "alerts_webhooks"
urlpatterns = [
    path("sms/<str:provider>/", inbound_views.inbound_sms, name="inbound-sms"),
]
