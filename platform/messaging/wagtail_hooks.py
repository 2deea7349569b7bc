from django.urls import include, path
from wagtail import hooks

from messaging import admin_views


@hooks.register("register_admin_urls")
def register_messaging_urls():
    return [path("", include((admin_views.urlpatterns, "messaging_admin")))]


hooks.register("register_admin_menu_item", admin_views.menu_item)
