"""Mounted by api/urls.py under /api/v1/communes/<commune_slug>/news/<page_id>/comments/."""

from django.urls import path

from conversations import api

urlpatterns = [
    path("", api.CommentListCreateApi.as_view(), name="list"),
    path("<int:comment_id>/", api.CommentDetailApi.as_view(), name="detail"),
]
