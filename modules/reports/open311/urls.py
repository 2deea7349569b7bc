"""Open311 GeoReport v2, mounted by the core at ``/open311/v2/`` on every host."""

from django.urls import path, re_path, register_converter

from modules.reports.open311 import views
from modules.reports.open311.formats import FormatConverter

register_converter(FormatConverter, "open311_format")

app_name = "open311"
urlpatterns = [
    path("discovery.<open311_format:format>", views.discovery, name="discovery"),
    path("services.<open311_format:format>", views.services, name="services"),
    path(
        "services/<slug:code>.<open311_format:format>",
        views.service_definition,
        name="service",
    ),
    path("requests.<open311_format:format>", views.requests, name="requests"),
    path("requests/<int:pk>.<open311_format:format>", views.request_detail, name="request"),
    path("tokens/<str:token>.<open311_format:format>", views.token, name="token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
