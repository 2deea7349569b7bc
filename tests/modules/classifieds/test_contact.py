"""How readers reach the author of a classified (CLS-1, PRIV): the "Contacter l'auteur"
block on the page and ``author_contact`` in the API.

The author chooses, per classified, to show their phone numbers and/or e-mail address
(default: neither); the name follows the privacy matrix (a fellow resident outside the
author's community sees "Un habitant", or the pseudonym).
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.closure import account_close
from modules.classifieds.models import Classified
from tests.factories import PASSWORD

HOST = "saint-malo.localhost"
API = "/api/v1/communes/saint-malo/classifieds/"
MOBILE, LANDLINE = "+33611223344", "+33299404040"


@pytest.fixture
def author(resident):
    resident.mobile, resident.landline = MOBILE, LANDLINE
    resident.save(update_fields=["mobile", "landline"])
    return resident


def page_of(user, classified) -> str:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    response = client.get(f"/annonces/{classified.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def contact_block(html: str) -> str:
    start = html.index("data-contact")
    return html[start : html.index("</section>", start)]


def api_of(user, classified) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"{API}{classified.pk}/")
    assert response.status_code == 200
    return response.json()


def test_by_default_readers_see_the_name_they_may_see_and_no_phone_or_email(
    commune, author, neighbour, publish
):
    classified = publish(commune, author, contact="")
    block = contact_block(page_of(neighbour, classified))
    assert "Contacter l’auteur" in block
    # Paul is not in Marie's community: the matrix gives him no name.
    assert "Annonce publiée par Un habitant." in block
    assert "Les messages privés entre habitants arrivent bientôt sur le site." in block
    for private in ("06 11 22 33 44", MOBILE, "02 99 40 40 40", author.email, "tel:", "mailto:"):
        assert private not in block
    body = api_of(neighbour, classified)
    assert body["author_contact"] == {"mobile": None, "landline": None, "email": None}
    assert (body["show_phone"], body["show_email"]) == (False, False)


def test_the_pseudonym_names_the_author_when_they_set_one(commune, author, neighbour, publish):
    author.pseudonym = "Marie du Sillon"
    author.save(update_fields=["pseudonym"])
    block = contact_block(page_of(neighbour, publish(commune, author)))
    assert "Annonce publiée par Marie du Sillon." in block
    assert "Durand" not in block


def test_readers_see_the_phone_the_author_chose_to_show(commune, author, neighbour, publish):
    classified = publish(commune, author, show_phone=True, contact="Plutôt le soir")
    block = contact_block(page_of(neighbour, classified))
    assert f'<a href="tel:{MOBILE}">06 11 22 33 44</a>' in block
    assert '<a href="tel:+33299404040">02 99 40 40 40</a>' in block
    assert "Plutôt le soir" in block
    assert author.email not in block
    assert api_of(neighbour, classified)["author_contact"] == {
        "mobile": MOBILE,  # E.164 in the API: what apps dial
        "landline": LANDLINE,
        "email": None,
    }


def test_readers_see_the_email_the_author_chose_to_show(commune, author, neighbour, publish):
    classified = publish(commune, author, show_email=True)
    block = contact_block(page_of(neighbour, classified))
    assert f'<a href="mailto:{author.email}">{author.email}</a>' in block
    assert "06 11 22 33 44" not in block
    assert api_of(neighbour, classified)["author_contact"] == {
        "mobile": None,
        "landline": None,
        "email": author.email,
    }


def test_a_changed_number_shows_at_once(commune, author, neighbour, publish):
    classified = publish(commune, author, show_phone=True)
    author.mobile, author.landline = "+33622334455", None
    author.save(update_fields=["mobile", "landline"])
    block = contact_block(page_of(neighbour, classified))
    assert "06 22 33 44 55" in block
    assert "06 11 22 33 44" not in block and "02 99 40 40 40" not in block


def test_the_author_sees_what_readers_see_and_how_to_change_it(commune, author, publish):
    classified = publish(commune, author, show_phone=True)
    block = contact_block(page_of(author, classified))
    assert "06 11 22 33 44" in block
    assert author.email not in block
    assert f'href="/annonces/{classified.pk}/modifier/"' in block
    assert api_of(author, classified)["author_contact"]["email"] is None


def test_another_reader_has_no_link_to_change_it(commune, author, neighbour, publish):
    classified = publish(commune, author)
    assert f"/annonces/{classified.pk}/modifier/" not in page_of(neighbour, classified)


def test_a_closed_account_shows_nothing_of_its_author(commune, author, neighbour, publish):
    classified = publish(commune, author, show_phone=True, show_email=True)
    email = author.email
    account_close(user=author, password=PASSWORD)
    block = contact_block(page_of(neighbour, classified))
    assert "L’auteur de cette annonce a fermé son compte." in block
    assert "06 11 22 33 44" not in block and email not in block
    assert api_of(neighbour, classified)["author_contact"] == {
        "mobile": None,
        "landline": None,
        "email": None,
    }


def test_an_anonymous_visitor_sees_no_contact(commune, author, publish):
    classified = publish(commune, author, show_phone=True, show_email=True)
    response = Client(HTTP_HOST=HOST).get(f"/annonces/{classified.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/compte/connexion/?next=/annonces/{classified.pk}/"
    api = APIClient().get(f"{API}{classified.pk}/")
    assert api.status_code == 401
    for private in ("06 11", MOBILE, author.email):
        assert private not in response.content.decode() + api.content.decode()


def test_publishing_with_the_phone_needs_a_number(commune, resident, neighbour):
    client = APIClient()
    client.force_authenticate(neighbour)  # Paul gave no phone number
    data = {"kind": "offer", "title": "Tonte", "description": "Le samedi.", "show_phone": True}
    response = client.post(API, data, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "show_phone": [
            "Ajoutez d’abord un numéro de téléphone à votre profil, ou laissez cette case décochée."
        ]
    }
    assert not Classified.objects.exists()


@pytest.mark.parametrize("value", ["yes", 1, None, "true"])
def test_the_api_takes_true_or_false_only(commune, author, value):
    client = APIClient()
    client.force_authenticate(author)
    data = {"kind": "offer", "title": "Tonte", "description": "Le samedi.", "show_email": value}
    response = client.post(API, data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"show_email"}


def test_publishing_through_the_api_with_the_email(commune, author):
    client = APIClient()
    client.force_authenticate(author)
    data = {
        "kind": "request",
        "title": "Garde de chat",
        "description": "En août.",
        "show_email": True,
    }
    response = client.post(API, data, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["contact"], body["show_phone"], body["show_email"]) == ("", False, True)
    assert body["author_contact"]["email"] == author.email


def test_publishing_on_the_site_with_the_phone(commune, author):
    client = Client(HTTP_HOST=HOST)
    client.force_login(author)
    form = client.get("/annonces/publier/").content.decode()
    assert "Les lecteurs verront : 06 11 22 33 44, 02 99 40 40 40." in form
    response = client.post(
        "/annonces/publier/",
        {
            "kind": "offer",
            "title": "Tonte",
            "description": "Le samedi.",
            "show_phone": "on",
            "days": 30,
        },
    )
    classified = Classified.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/annonces/{classified.pk}/"
    assert (classified.show_phone, classified.show_email, classified.contact) == (True, False, "")


def test_without_a_phone_the_site_box_is_off(commune, neighbour):
    client = Client(HTTP_HOST=HOST)
    client.force_login(neighbour)
    form = client.get("/annonces/publier/")
    field = form.context["form"]["show_phone"]
    assert field.field.disabled is True
    assert "ajoutez-en un à votre profil" in form.content.decode()
    client.post(
        "/annonces/publier/",
        {
            "kind": "offer",
            "title": "Tonte",
            "description": "Le samedi.",
            "show_phone": "on",
            "days": 30,
        },
    )
    assert Classified.objects.get().show_phone is False  # a disabled box posts nothing
