from django.urls import path

from modules.groups import views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/rejoindre/", views.group_join_view, name="join"),
    path("<int:pk>/abonnement/", views.group_subscription_view, name="subscription"),
    path("<int:pk>/messages/<int:post_id>/modifier/", views.post_edit_view, name="post_edit"),
]
