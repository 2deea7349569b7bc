from django.urls import path

from tests.example_module import views

urlpatterns = [
    path("", views.book_list, name="list"),
    path("<int:pk>/", views.book_detail, name="detail"),
]
