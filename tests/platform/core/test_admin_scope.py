"""The core's admin scope (core.admin_scope), seen from the wrong staff member's side.

The example module's viewset (``tests/example_module/admin.py``) is built on the base and
nothing else: another commune's clerk, who holds the model's permissions, gets exactly
404 on every URL naming a book of a commune they do not serve, while the clerk of the
book's commune gets the page.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from core.admin_scope import CommuneScope, CommuneScopedViewSetMixin
from tests.alerts import switch
from tests.example_module.models import Book
from tests.example_module.selectors import STAFF_SCOPE
from tests.factories import UserFactory
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

INDEX = "/admin/bookbox/"
ROW_URLS = ("edit/{pk}/", "inspect/{pk}/", "delete/{pk}/", "history/{pk}/", "usage/{pk}/")


def clerk_of(commune):
    """A town-hall clerk holding every permission on books (the scope alone keeps them out)."""
    clerk = UserFactory()
    clerk.groups.add(commune.editors_group)
    clerk.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="bookbox", content_type__model="book")
    )
    return clerk


def admin_client(user, host="testserver"):
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


@pytest.fixture
def books(commune, other_commune):
    for place in (commune, other_commune):
        switch(place, "bookbox", True)
    return (
        Book.objects.create(commune=commune, title="Les Misérables"),
        Book.objects.create(commune=other_commune, title="Allah n'est pas obligé"),
    )


def test_another_communes_clerk_gets_404_on_every_url_of_the_row(books, other_commune):
    saint_malo_book, _ = books
    client = admin_client(clerk_of(other_commune))
    for url in ROW_URLS:
        path = INDEX + url.format(pk=saint_malo_book.pk)
        assert client.get(path).status_code == 404, path
    assert client.post(INDEX + f"delete/{saint_malo_book.pk}/").status_code == 404
    assert (
        client.post(
            INDEX + f"edit/{saint_malo_book.pk}/",
            {"commune": other_commune.pk, "title": "Volé"},
        ).status_code
        == 404
    )
    saint_malo_book.refresh_from_db()
    assert saint_malo_book.title == "Les Misérables"
    assert saint_malo_book.commune_id != other_commune.pk


def test_the_clerk_of_the_books_commune_gets_every_page(books, commune):
    saint_malo_book, _ = books
    client = admin_client(clerk_of(commune))
    for url in ROW_URLS:
        path = INDEX + url.format(pk=saint_malo_book.pk)
        assert client.get(path).status_code == 200, path


def test_the_list_keeps_to_the_communes_the_clerk_serves(books, commune):
    response = admin_client(clerk_of(commune)).get(INDEX)
    assert response.status_code == 200
    assert "Les Misérables" in response.text
    assert "Allah n&#x27;est pas obligé" not in response.text


def test_on_a_communes_host_a_superuser_sees_that_commune_only(books):
    client = admin_client(UserFactory(is_superuser=True, is_staff=True), "cocody.localhost")
    saint_malo_book, cocody_book = books
    response = client.get(INDEX)
    assert "Allah n&#x27;est pas obligé" in response.text
    assert "Les Misérables" not in response.text
    assert client.get(INDEX + f"inspect/{saint_malo_book.pk}/").status_code == 404
    assert client.get(INDEX + f"inspect/{cocody_book.pk}/").status_code == 200


def test_the_menu_item_is_shown_where_the_clerk_serves_a_commune(books, commune):
    clerk = clerk_of(commune)
    assert INDEX in admin_client(clerk, "saint-malo.localhost").get("/admin/").text
    assert INDEX not in admin_client(clerk, "cocody.localhost").get("/admin/").text


def test_a_commune_with_the_module_off_is_out_of_scope_on_the_platform_host(books, commune):
    saint_malo_book, _ = books
    clerk = clerk_of(commune)
    switch(commune, "bookbox", False)
    assert list(STAFF_SCOPE.filter(Book.objects.all(), user=clerk)) == []
    assert admin_client(clerk).get(INDEX + f"edit/{saint_malo_book.pk}/").status_code == 404


def test_a_viewset_whose_view_ignores_the_scope_stops_start_up():
    class UnscopedEditView(generic.EditView):
        pass

    class LeakyViewSet(CommuneScopedViewSetMixin, ModelViewSet):
        model = Book
        name = "leaky_books"
        commune_scope = CommuneScope(staff_communes=lambda user: None)
        edit_view_class = UnscopedEditView
        form_fields = ["title"]

    with pytest.raises(ImproperlyConfigured, match="UnscopedEditView"):
        LeakyViewSet().edit_view  # noqa: B018 (the property builds the view)
