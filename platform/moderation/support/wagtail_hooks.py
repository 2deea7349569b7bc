"""The support desk's admin entries: the "Support" menu item (with the count of new
requests) and ``/admin/support/`` (namespace ``support_admin``).

Found by Wagtail because ``moderation.support`` is an installed app (``apps.SupportConfig``).
"""

from django.urls import include, path
from wagtail import hooks

from moderation.support import admin_views


@hooks.register("register_admin_urls")
def register_support_urls():
    return [path("", include((admin_views.urlpatterns, "support_admin")))]


hooks.register("register_admin_menu_item", admin_views.menu_item)
