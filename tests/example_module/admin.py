from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from core.admin_scope import CommuneScopedViewSetMixin
from tests.example_module.models import Book
from tests.example_module.selectors import STAFF_SCOPE


class BookViewSet(CommuneScopedViewSetMixin, ModelViewSet):
    """Every view keeps to the host's commune, or the communes with the module on, and to
    the communes the staff member serves (``core.admin_scope``): another commune's book
    answers 404."""

    model = Book
    name = "bookbox"
    url_namespace = "bookbox_admin"
    icon = "doc-full"
    menu_label = _("Book box")
    add_to_admin_menu = True
    commune_scope = STAFF_SCOPE
    inspect_view_enabled = True
    list_display = ["title", "left_at", "taken_at"]
    form_fields = ["commune", "title", "taken_at"]
    search_backend_name = None
