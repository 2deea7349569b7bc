from django.urls import include, path
from wagtail import hooks

from conversations import admin_views


@hooks.register("register_admin_urls")
def register_comment_urls():
    return [path("", include((admin_views.urlpatterns, "conversations_admin")))]


hooks.register("register_admin_menu_item", admin_views.menu_item)
