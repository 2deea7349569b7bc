"""The town hall's suggestions API (SUG-1, SUG-2): manage/ and categories/, exact codes,
from the wrong side too, and lists in O(1) queries."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from modules.suggestions import staff as town_hall
from modules.suggestions.models import Category, Suggestion
from tests.factories import UserFactory
from tests.follows import pending, root
from tests.modules.suggestions.conftest import staff_category, waiting_suggestion
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

Status = Suggestion.Status
BASE = "/api/v1/communes/saint-malo/suggestions"


def client_for(user) -> APIClient:
    client = APIClient()
    verified_login(client, user)
    return client


# --- manage/ -------------------------------------------------------------------------------


def test_staff_list_every_status_waiting_first(commune, resident, staff):
    published = town_hall.suggestion_accept(
        suggestion=waiting_suggestion(commune, resident, title="Une piste cyclable"), by=staff
    )
    waiting = waiting_suggestion(commune, resident, title="Un banc")
    refused = town_hall.suggestion_refuse(
        suggestion=waiting_suggestion(commune, resident, title="Un golf"), by=staff, reason="Non."
    )
    response = client_for(staff).get(f"{BASE}/manage/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["id"] for row in results] == [waiting.pk, refused.pk, published.pk]
    first = results[0]
    assert first["status"] == "proposed"
    assert first["status_label"] == "En attente de la mairie"
    assert first["category"]["name"] == "Voirie et circulation"
    assert first["author"]["display_name"] == "Marie Durand"
    assert resident.email not in response.content.decode()
    assert results[1]["refusal_reason"] == "Non."
    only = client_for(staff).get(f"{BASE}/manage/", {"status": "published"}).json()["results"]
    assert [row["id"] for row in only] == [published.pk]
    bad = client_for(staff).get(f"{BASE}/manage/", {"status": "bogus"})
    assert bad.status_code == 400
    assert bad.json() == {"status": ["Statut inconnu."]}


def test_the_manage_list_stays_o1(commune, resident, staff, django_assert_max_num_queries):
    category = staff_category(commune)
    authors = [UserFactory() for _ in range(5)]
    Suggestion.objects.bulk_create(
        [
            Suggestion(
                commune=commune,
                category=category,
                author=authors[index % 5],
                title=f"Idée {index}",
                description="…",
            )
            for index in range(100)
        ]
    )
    client = client_for(staff)
    with django_assert_max_num_queries(20) as few:
        assert client.get(f"{BASE}/manage/", {"page_size": 10}).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{BASE}/manage/", {"page_size": 100})
    assert len(response.json()["results"]) == 100


@pytest.mark.parametrize("who", ["resident", "pending", "other_staff", "anonymous"])
def test_only_the_commune_s_staff_manage(who, commune, resident, staff, other_staff):
    suggestion = waiting_suggestion(commune, resident)
    if who == "anonymous":
        client = APIClient()
    elif who == "pending":
        person = UserFactory()
        pending(person, commune)
        client = client_for(person)
    else:
        client = client_for(resident if who == "resident" else other_staff)
    expected = 401 if who == "anonymous" else 403
    assert client.get(f"{BASE}/manage/").status_code == expected
    for action, body in (
        ("accept", {}),
        ("refuse", {"reason": "Non"}),
        ("status", {"status": "retained", "note": ""}),
        ("close-voting", {}),
    ):
        response = client.post(f"{BASE}/manage/{suggestion.pk}/{action}/", body, format="json")
        assert response.status_code == expected, (action, response.content)
    if who == "resident":
        response = client.post(f"{BASE}/manage/{suggestion.pk}/accept/")
        assert response.json()["detail"] == "Seule l’équipe de la mairie traite les suggestions."
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROPOSED


def test_another_commune_s_suggestion_is_404(commune, other_commune, staff):
    suggestion = waiting_suggestion(other_commune, root())
    client = client_for(staff)
    for action in ("accept", "refuse", "status", "close-voting"):
        assert client.post(f"{BASE}/manage/{suggestion.pk}/{action}/").status_code == 404
    assert client.post(f"{BASE}/manage/999999/accept/").status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROPOSED


def test_accept_then_follow_up_then_close(commune, resident, staff):
    suggestion = waiting_suggestion(commune, resident)
    client = client_for(staff)
    accepted = client.post(f"{BASE}/manage/{suggestion.pk}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "published"
    assert accepted.json()["voting_open"] is True
    again = client.post(f"{BASE}/manage/{suggestion.pk}/accept/")
    assert again.status_code == 400
    assert again.json() == {"status": ["La mairie s’est déjà prononcée."]}
    missing_note = client.post(
        f"{BASE}/manage/{suggestion.pk}/status/", {"status": "done"}, format="json"
    )
    assert missing_note.status_code == 400
    assert missing_note.json() == {"note": ["Expliquez la décision aux habitants dans une note."]}
    bad_status = client.post(
        f"{BASE}/manage/{suggestion.pk}/status/", {"status": "published"}, format="json"
    )
    assert bad_status.status_code == 400 and list(bad_status.json()) == ["status"]
    followed = client.post(
        f"{BASE}/manage/{suggestion.pk}/status/",
        {"status": "under_study", "note": "Devis demandé."},
        format="json",
    )
    assert followed.status_code == 200
    assert (followed.json()["status"], followed.json()["status_label"]) == (
        "under_study",
        "À l'étude",
    )
    closed = client.post(f"{BASE}/manage/{suggestion.pk}/close-voting/")
    assert closed.status_code == 200
    assert closed.json()["voting_open"] is False
    assert client.post(f"{BASE}/manage/{suggestion.pk}/close-voting/").status_code == 400


def test_refuse_with_a_reason(commune, resident, staff):
    suggestion = waiting_suggestion(commune, resident)
    client = client_for(staff)
    wrong = client.post(f"{BASE}/manage/{suggestion.pk}/refuse/", {"reason": 12}, format="json")
    assert wrong.status_code == 400 and list(wrong.json()) == ["reason"]
    response = client.post(
        f"{BASE}/manage/{suggestion.pk}/refuse/", {"reason": "Hors compétence."}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["refusal_reason"]) == (
        "refused",
        "Hors compétence.",
    )


# --- categories/ ---------------------------------------------------------------------------


def test_residents_read_the_active_categories_defaults_first(commune, resident):
    response = client_for(resident).get(f"{BASE}/categories/")
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == [
        "Voirie et circulation",
        "Propreté",
        "Espaces verts",
        "Sécurité",
        "Culture et loisirs",
        "Vie associative",
        "Autre",
    ]
    Category.objects.filter(name="Sécurité").update(active=False)
    names = [
        row["name"] for row in client_for(resident).get(f"{BASE}/categories/").json()["results"]
    ]
    assert "Sécurité" not in names
    retired = client_for(resident).get(f"{BASE}/categories/", {"include_retired": "true"})
    assert retired.status_code == 403


def test_staff_also_read_the_retired_ones(commune, staff):
    staff_category(commune, "Voirie", position=1)
    staff_category(commune, "Ancienne", position=2, active=False)
    response = client_for(staff).get(f"{BASE}/categories/", {"include_retired": "true"})
    assert response.status_code == 200
    assert [(row["name"], row["active"]) for row in response.json()["results"]] == [
        ("Voirie", True),
        ("Ancienne", False),
    ]
    assert client_for(staff).get(f"{BASE}/categories/", {"include_retired": "x"}).status_code == 400


def test_staff_add_change_and_delete_categories(commune, resident, staff):
    client = client_for(staff)
    created = client.post(f"{BASE}/categories/", {"name": "Propreté"}, format="json")
    assert created.status_code == 201
    category_id = created.json()["id"]
    assert created.json() == {"id": category_id, "name": "Propreté", "position": 0, "active": True}
    duplicate = client.post(f"{BASE}/categories/", {"name": "propreté"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json() == {"name": ["La commune a déjà une catégorie de ce nom."]}
    assert client.post(f"{BASE}/categories/", {"name": 3}, format="json").status_code == 400
    changed = client.patch(
        f"{BASE}/categories/{category_id}/", {"position": 4, "active": False}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json() == {"id": category_id, "name": "Propreté", "position": 4, "active": False}
    waiting_suggestion(commune, resident, category=Category.objects.get(pk=category_id))
    used = client.delete(f"{BASE}/categories/{category_id}/")
    assert used.status_code == 400
    unused = client.post(f"{BASE}/categories/", {"name": "Autre"}, format="json").json()["id"]
    assert client.delete(f"{BASE}/categories/{unused}/").status_code == 204
    assert list(Category.objects.values_list("name", flat=True)) == ["Propreté"]


def test_residents_and_other_staff_do_not_change_categories(
    commune, other_commune, resident, staff, other_staff
):
    category = staff_category(commune, "Voirie")
    for person in (resident, other_staff):
        client = client_for(person)
        assert client.post(f"{BASE}/categories/", {"name": "X"}, format="json").status_code == 403
        url = f"{BASE}/categories/{category.pk}/"
        assert client.patch(url, {"name": "X"}, format="json").status_code == 403
        assert client.delete(url).status_code == 403
    cocody = staff_category(other_commune, "Catégorie de Cocody")
    url = f"{BASE}/categories/{cocody.pk}/"
    assert client_for(staff).patch(url, {"name": "X"}, format="json").status_code == 404
    assert client_for(staff).delete(url).status_code == 404
    assert sorted(Category.objects.values_list("name", flat=True)) == [
        "Catégorie de Cocody",
        "Voirie",
    ]
