from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet

from communes.selectors import communes_of_staff
from core.modules import registry
from tests.example_module.models import Book


class ScopedMixin:
    def scoped_queryset(self):
        """The host's commune, or the communes with the module on; staff see theirs only."""
        request = self.request
        books = Book.objects.filter(commune__in=registry.enabled_communes("bookbox").values("pk"))
        if getattr(request, "commune", None) is not None:
            books = books.filter(commune=request.commune)
        if not request.user.is_superuser:
            books = books.filter(commune__in=communes_of_staff(request.user).values("pk"))
        return books


class BookIndexView(ScopedMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped_queryset()


class BookEditView(ScopedMixin, generic.EditView):
    def get_queryset(self):
        return self.scoped_queryset()


class BookDeleteView(ScopedMixin, generic.DeleteView):
    def get_queryset(self):
        return self.scoped_queryset()


class BookHistoryView(ScopedMixin, HistoryView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class BookUsageView(ScopedMixin, UsageView):
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class BookViewSet(ModelViewSet):
    model = Book
    name = "bookbox"
    url_namespace = "bookbox_admin"
    icon = "doc-full"
    menu_label = _("Book box")
    add_to_admin_menu = True
    copy_view_enabled = False
    index_view_class = BookIndexView
    edit_view_class = BookEditView
    delete_view_class = BookDeleteView
    history_view_class = BookHistoryView
    usage_view_class = BookUsageView
    list_display = ["title", "left_at", "taken_at"]
    form_fields = ["commune", "title", "taken_at"]
    search_backend_name = None
