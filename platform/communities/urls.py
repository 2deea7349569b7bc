"""Site pages of communities, on the commune's host under /communautes/."""

from django.urls import path  # noqa: F401

app_name = "communities"
urlpatterns: list = []
