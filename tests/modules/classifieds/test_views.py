import pytest
from django.test import Client

from modules.classifieds.models import Classified

HOST = "saint-malo.localhost"


@pytest.fixture
def client_for():
    def build(user=None, host=HOST):
        client = Client(HTTP_HOST=host)
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture
def site(client_for, commune, resident):
    return client_for(resident)


def test_list_shows_open_classifieds_of_the_commune(
    site, commune, other_commune, resident, publish
):
    publish(commune, resident, title="Cours de piano")
    publish(other_commune, resident, title="Cours de zouglou")
    response = site.get("/annonces/")
    assert response.status_code == 200
    assert "Cours de piano" in response.text
    assert "Cours de zouglou" not in response.text
    assert "Marie Durand" in response.text  # her own classified: she sees her name
    assert "person" not in response.text  # no email address shown


def test_list_filters_by_kind(site, commune, resident, publish):
    publish(commune, resident, title="Je propose", kind="offer")
    publish(commune, resident, title="Je cherche", kind="request")
    response = site.get("/annonces/", {"kind": "request"})
    assert "Je cherche" in response.text
    assert "Je propose" not in response.text


def test_unknown_kind_shows_everything(site, commune, resident, publish):
    publish(commune, resident, title="Je propose", kind="offer")
    response = site.get("/annonces/", {"kind": "<script>"})
    assert response.status_code == 200
    assert "Je propose" in response.text


def test_list_is_paginated_by_twenty(site, commune, resident, publish):
    for number in range(25):
        publish(commune, resident, title=f"Annonce numéro {number:02d}")
    first = site.get("/annonces/")
    assert "Annonce numéro 24" in first.text
    assert "Annonce numéro 04" not in first.text
    second = site.get("/annonces/", {"page": 2})
    assert "Annonce numéro 04" in second.text
    assert site.get("/annonces/", {"page": "nope"}).status_code == 200
    assert site.get("/annonces/", {"page": 99}).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_list_page_query_count_does_not_grow(
    site, commune, resident, publish, count, django_assert_max_num_queries
):
    for _ in range(count):
        publish(commune, resident)
    # + staff groups and authors (privacy), + is the person staff (two factors: 2 queries),
    # + is a validated resident (ACC-10)
    with django_assert_max_num_queries(14):  # 12 + the header's unread count + the alerts banner
        response = site.get("/annonces/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/annonces/", "/annonces/publier/", "/annonces/mes-annonces/", "/annonces/1/"]
)
def test_anonymous_visitor_is_sent_to_login(client_for, commune, path):
    response = client_for().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/?next=")


@pytest.mark.parametrize(
    "path", ["/annonces/", "/annonces/publier/", "/annonces/mes-annonces/", "/annonces/1/"]
)
def test_pages_404_on_the_platform_host(client_for, commune, resident, path):
    assert client_for(resident, host="testserver").get(path).status_code == 404


def test_detail_shows_contact_and_description(site, commune, resident, publish):
    classified = publish(commune, resident, contact="Sonnez au 3 rue des Lilas")
    response = site.get(f"/annonces/{classified.pk}/")
    assert response.status_code == 200
    assert "Sonnez au 3 rue des Lilas" in response.text
    assert "Je tonds votre pelouse" in response.text


def test_detail_of_other_commune_404s(site, other_commune, resident, publish):
    classified = publish(other_commune, resident)
    assert site.get(f"/annonces/{classified.pk}/").status_code == 404
    assert site.get("/annonces/99999999999999999999/").status_code == 404


def test_resident_publishes_through_the_form(site, commune, resident):
    response = site.post(
        "/annonces/publier/",
        {
            "kind": "request",
            "title": "Aide pour les courses",
            "description": "Le mardi matin.",
            "contact": "Au 06 00 00 00 00",
            "days": 14,
        },
    )
    classified = Classified.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/annonces/{classified.pk}/"
    assert classified.author == resident
    assert classified.commune == commune
    assert classified.kind == "request"
    followed = site.get(response["Location"])
    assert "Aide pour les courses" in followed.text


def test_form_shows_field_errors_and_publishes_nothing(site, commune):
    response = site.post(
        "/annonces/publier/",
        {"kind": "sale", "title": "x" * 200, "description": "", "contact": "", "days": 365},
    )
    assert response.status_code == 200
    assert not Classified.objects.exists()
    errors = response.context["form"].errors
    assert set(errors) == {"kind", "title", "description", "days"}  # the contact note is optional
    assert 'class="errorlist' in response.text


def test_form_labels_point_to_their_fields(site, commune):
    response = site.get("/annonces/publier/")
    for field in ("id_title", "id_description", "id_contact", "id_days", "id_kind_0"):
        assert f'for="{field}"' in response.text


def test_my_classifieds_include_closed_ones(site, commune, resident, neighbour, publish):
    from modules.classifieds.services import classified_close

    closed = publish(commune, resident, title="Fermée")
    classified_close(classified=closed, by=resident)
    publish(commune, resident, title="Ouverte")
    publish(commune, neighbour, title="Du voisin")
    response = site.get("/annonces/mes-annonces/")
    assert "Fermée" in response.text
    assert "Ouverte" in response.text
    assert "Du voisin" not in response.text


def test_author_closes_with_a_confirmation_message(site, commune, resident, publish):
    classified = publish(commune, resident, title="Tondeuse")
    response = site.post(f"/annonces/{classified.pk}/fermer/", follow=True)
    assert response.redirect_chain[-1][0] == "/annonces/mes-annonces/"
    classified.refresh_from_db()
    assert classified.status == Classified.Status.CLOSED
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert "Tondeuse" in messages[0]
    assert "Tondeuse" not in site.get("/annonces/").text


def test_close_needs_post(site, commune, resident, publish):
    classified = publish(commune, resident)
    assert site.get(f"/annonces/{classified.pk}/fermer/").status_code == 405
    classified.refresh_from_db()
    assert classified.status == Classified.Status.OPEN


def test_close_needs_csrf_token(commune, resident, publish):
    classified = publish(commune, resident)
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    client.force_login(resident)
    assert client.post(f"/annonces/{classified.pk}/fermer/").status_code == 403
    classified.refresh_from_db()
    assert classified.status == Classified.Status.OPEN


def test_other_resident_cannot_close_on_the_site(client_for, commune, resident, neighbour, publish):
    classified = publish(commune, resident)
    response = client_for(neighbour).post(f"/annonces/{classified.pk}/fermer/")
    assert response.status_code == 404  # not yours: not found, as when editing
    classified.refresh_from_db()
    assert classified.status == Classified.Status.OPEN
