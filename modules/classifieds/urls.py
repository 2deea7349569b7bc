from django.urls import path

from modules.classifieds import views

app_name = "classifieds"
urlpatterns = [
    path("", views.classified_list, name="list"),
    path("publier/", views.classified_publish, name="publish"),
    path("mes-annonces/", views.classified_mine, name="mine"),
    path("<int:pk>/", views.classified_detail, name="detail"),
    path("<int:pk>/modifier/", views.classified_edit, name="edit"),
    path("<int:pk>/fermer/", views.classified_close_view, name="close"),
]
