# PLACEHOLDER: filled by issue 20's work (see docs/api.md once done).
from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
