from django.urls import path

from tests.example_module import api

urlpatterns = [
    path("", api.BookListApi.as_view(), name="list"),
    path("<int:book_id>/", api.BookDetailApi.as_view(), name="detail"),
]
