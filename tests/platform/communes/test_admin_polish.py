"""Issue 14, staff admin polish: French module names, the right gender in Wagtail's
generic labels, and the commune's phone typed the way its country writes it."""

from __future__ import annotations

import pytest

from communes.models import Commune
from tests.factories import UserFactory
from tests.follows import root
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    verified_login(client, root())
    return client


def _details(client, commune, phone):
    editor = UserFactory()
    editor.groups.add(commune.editors_group)
    verified_login(client, editor)
    url = f"/admin/our-commune/{commune.pk}/"
    return url, client.post(
        url,
        {
            "contact_email": "mairie@example.org",
            "contact_phone": phone,
            "contact_address": "Place de la mairie",
            "opening_hours": "9 h - 17 h",
            "theme": "default",
        },
        HTTP_HOST=commune.site.hostname,
    )


@pytest.mark.parametrize(
    ("fixture", "typed", "stored"),
    [
        ("commune", "02 99 40 71 11", "+33299407111"),
        ("other_commune", "27 22 44 10 10", "+2252722441010"),
        ("other_commune", "+33 2 99 40 71 11", "+33299407111"),  # a number from abroad
    ],
    ids=["france", "cote-d-ivoire", "international"],
)
def test_the_town_hall_types_its_phone_in_its_country_format(
    client, request, fixture, typed, stored
):
    commune = request.getfixturevalue(fixture)
    url, response = _details(client, commune, typed)
    assert response.status_code == 302
    commune.refresh_from_db()
    assert commune.contact_phone.as_e164 == stored
    # Shown back in the country's national format (a foreign number: with its prefix).
    form = client.get(url, HTTP_HOST=commune.site.hostname).content.decode()
    assert f'value="{typed}"' in form


def test_a_wrong_phone_is_a_french_form_error(client, other_commune):
    _url, response = _details(client, other_commune, "02 99 40 71 11")  # French, in Abidjan
    assert response.status_code == 200
    assert "numéro de téléphone valide" in response.context["form"].errors["contact_phone"][0]
    other_commune.refresh_from_db()
    assert not other_commune.contact_phone


def test_the_commune_list_names_the_modules_in_french(admin, commune):
    html = admin.get("/admin/commune/").content.decode()
    assert "Alertes, Annonces, Groupes de discussion, Jumelages" in html
    assert "alerts, classifieds, groups, twinning" not in html


def test_generic_labels_agree_in_gender(admin, commune):
    communes = admin.get("/admin/commune/").content.decode()
    assert "Ajouter une commune" in communes
    new = admin.get("/admin/commune/new/").content.decode()
    assert "Nouvelle : commune" in new
    partners = admin.get("/admin/hosting_partner/").content.decode()
    assert "Ajouter un hébergeur" in partners
    assert "Ajouter une formule" in admin.get("/admin/plan/").content.decode()
    for html in (communes, new, partners):
        assert "(e)" not in html and "Nouvel(le)" not in html


def test_the_create_form_reads_the_phone_in_the_chosen_country(admin, partner):
    from communes.forms import CommuneCreateForm

    form = CommuneCreateForm(
        data={"country": "CI", "contact_phone": "27 22 44 10 10"}, for_user=root()
    )
    form.is_valid()
    assert "contact_phone" not in form.errors
    assert form.cleaned_data["contact_phone"].as_e164 == "+2252722441010"
    assert Commune.objects.count() == 0
