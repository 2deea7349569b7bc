"""Wagtail admin of classifieds: town-hall and partner staff list and moderate them.

The core mounts this viewset behind the module guard (menu item hidden and views
404 on the host of a commune that has the module off). Here the querysets are
scoped: the commune of the host, or, on the platform's host, the communes that
have the module on; non-superusers only see the communes they moderate.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet

from modules.classifieds.models import Classified
from modules.classifieds.selectors import classifieds_for_staff
from modules.classifieds.services import classified_moderate
from privacy.matrix import attach_cards


class ScopedMixin:
    def scoped_queryset(self):
        return classifieds_for_staff(
            user=self.request.user, commune=getattr(self.request, "commune", None)
        )


class ClassifiedIndexView(ScopedMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped_queryset()

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        # Authors go through the privacy matrix: one query for the page.
        object_list = attach_cards(self.request.user, object_list, "author", public_author=True)
        return paginator, page, object_list, is_paginated


class ClassifiedEditView(ScopedMixin, generic.EditView):
    def get_queryset(self):
        return self.scoped_queryset()

    def save_instance(self):
        data = self.form.cleaned_data
        return classified_moderate(
            classified=self.form.instance,
            by=self.request.user,
            title=data["title"],
            description=data["description"],
            status=data["status"],
        )


class ClassifiedDeleteView(ScopedMixin, generic.DeleteView):
    def get_queryset(self):
        return self.scoped_queryset()


class ClassifiedInspectView(ScopedMixin, generic.InspectView):
    def get_object(self, queryset=None):
        classified = get_object_or_404(self.scoped_queryset(), pk=self.pk)
        attach_cards(self.request.user, [classified], "author", public_author=True)
        return classified

    def get_author_display_value(self):
        return self.object.author_card.display_name


class ClassifiedHistoryView(ScopedMixin, HistoryView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ClassifiedUsageView(ScopedMixin, UsageView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ClassifiedViewSet(ModelViewSet):
    model = Classified
    name = "classifieds"
    url_namespace = "classifieds_admin"
    icon = "list-ul"
    menu_label = _("Classifieds")
    add_to_admin_menu = True
    menu_order = 400

    index_view_class = ClassifiedIndexView
    edit_view_class = ClassifiedEditView
    delete_view_class = ClassifiedDeleteView
    inspect_view_class = ClassifiedInspectView
    history_view_class = ClassifiedHistoryView
    usage_view_class = ClassifiedUsageView
    inspect_view_enabled = True
    copy_view_enabled = False

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
