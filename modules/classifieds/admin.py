"""Wagtail admin of classifieds: town-hall and partner staff list and moderate them.

The core mounts this viewset behind the module guard (menu item hidden and views
404 on the host of a commune that has the module off). The core's scope base
(``core.admin_scope``, with ``selectors.STAFF_SCOPE``) keeps every view to the
commune of the host, or, on the platform's host, the communes that have the module
on; non-superusers only see the communes they moderate.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from core import admin_scope
from modules.classifieds.models import Classified
from modules.classifieds.selectors import STAFF_SCOPE
from modules.classifieds.services import classified_moderate
from privacy.matrix import attach_cards


class ClassifiedIndexView(admin_scope.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("commune")

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        # Authors go through the privacy matrix: one query for the page.
        object_list = attach_cards(self.request.user, object_list, "author", public_author=True)
        return paginator, page, object_list, is_paginated


class ClassifiedEditView(admin_scope.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return classified_moderate(
            classified=self.form.instance,
            by=self.request.user,
            title=data["title"],
            description=data["description"],
            status=data["status"],
        )


class ClassifiedInspectView(admin_scope.InspectView):
    def get_object(self, queryset=None):
        classified = super().get_object(queryset)
        attach_cards(self.request.user, [classified], "author", public_author=True)
        return classified

    def get_author_display_value(self):
        return self.object.author_card.display_name


class ClassifiedViewSet(admin_scope.CommuneScopedViewSetMixin, ModelViewSet):
    model = Classified
    name = "classifieds"
    url_namespace = "classifieds_admin"
    icon = "list-ul"
    menu_label = _("Classifieds")
    add_to_admin_menu = True
    menu_order = 400

    commune_scope = STAFF_SCOPE
    index_view_class = ClassifiedIndexView
    edit_view_class = ClassifiedEditView
    inspect_view_class = ClassifiedInspectView
    inspect_view_enabled = True

    list_display = [
        "title",
        "kind",
        "status",
        Column("author", label=_("author"), accessor=lambda c: c.author_card.display_name),
        "created_at",
        "expires_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    search_backend_name = None
    ordering = ["-created_at", "-pk"]
    form_fields = ["title", "description", "status"]
    inspect_view_fields = [
        "kind",
        "title",
        "description",
        "contact",
        "status",
        "author",
        "created_at",
        "expires_at",
        "closed_at",
    ]
