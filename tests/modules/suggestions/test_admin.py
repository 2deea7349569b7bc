"""The town hall's admin of suggestions (SUG-1, SUG-2): the list with the waiting ones first
and their count, the decision page, the photo, the categories; another commune's rows 404."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from modules.suggestions import staff as town_hall
from modules.suggestions.models import Category, Suggestion
from tests.follows import root
from tests.modules.suggestions.conftest import staff_category, waiting_suggestion
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

Status = Suggestion.Status


def admin_client(user, host="testserver"):
    client = Client(HTTP_HOST=host)
    verified_login(client, user)
    return client


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "JPEG")
    return buffer.getvalue()


def decide_url(suggestion) -> str:
    return f"/admin/suggestions/{suggestion.pk}/decide/"


# --- the list ------------------------------------------------------------------------------


def test_the_list_shows_the_waiting_ones_first_and_counts_them(
    commune, other_commune, resident, staff
):
    older = town_hall.suggestion_accept(
        suggestion=waiting_suggestion(commune, resident, title="Une piste cyclable"), by=staff
    )
    waiting = waiting_suggestion(commune, resident, title="Un banc place du marché")
    waiting_suggestion(other_commune, root(), title="Un marché de nuit à Cocody")
    site = admin_client(staff)
    page = site.get("/admin/suggestions/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Un banc place du marché") < html.index("Une piste cyclable")
    assert "Cocody" not in html
    assert f'href="{decide_url(waiting)}"' in html
    assert f'href="{decide_url(older)}"' in html
    assert "0 pour · 0 contre" in html
    dashboard = site.get("/admin/").content.decode()
    assert 'data-to-do="/admin/suggestions/"' in dashboard
    row = dashboard[dashboard.index('data-to-do="/admin/suggestions/"') :]
    assert "<strong data-to-do-count>1</strong>" in row[:400]


def test_the_list_filters_by_status_and_category(commune, other_commune, resident, staff):
    roads = staff_category(commune, "Voirie")
    parks = staff_category(commune, "Espaces verts")
    staff_category(other_commune, "Catégorie de Cocody")
    waiting_suggestion(commune, resident, title="Un banc", category=roads)
    town_hall.suggestion_accept(
        suggestion=waiting_suggestion(commune, resident, title="Des arbres", category=parks),
        by=staff,
    )
    site = admin_client(staff)
    published = site.get("/admin/suggestions/", {"status": "published"}).content.decode()
    assert "Des arbres" in published and "Un banc" not in published
    by_category = site.get("/admin/suggestions/", {"category": roads.pk}).content.decode()
    assert "Un banc" in by_category and "Des arbres" not in by_category
    assert "Catégorie de Cocody" not in by_category  # not among the filter's choices


def test_a_resident_has_no_suggestions_admin(commune, resident):
    waiting_suggestion(commune, resident)
    site = admin_client(resident)
    assert site.get("/admin/suggestions/").status_code == 302
    suggestion = Suggestion.objects.get()
    assert site.get(decide_url(suggestion)).status_code == 302


# --- the decision page -------------------------------------------------------------------


def test_staff_read_the_proposal_and_accept_it(commune, resident, staff):
    suggestion = waiting_suggestion(commune, resident)
    site = admin_client(staff)
    page = site.get(decide_url(suggestion))
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Un banc place du marché",
        "Les personnes âgées n&#x27;ont nulle part où s&#x27;asseoir.",
        "Marie Durand",
        "Voirie et circulation",
        "En attente de la mairie",
        "Accepter et publier",
    ):
        assert text in html
    assert resident.email not in html
    response = site.post(decide_url(suggestion), {"action": "accept"})
    assert response.status_code == 302
    assert response["Location"] == decide_url(suggestion)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.decided_by) == (Status.PUBLISHED, staff)
    after = site.get(decide_url(suggestion)).content.decode()
    assert "0 pour · 0 contre" in after
    assert "Changer le statut" in after and "Clore les votes" in after
    assert "Accepter et publier" not in after


def test_staff_refuse_with_a_reason(commune, resident, staff):
    suggestion = waiting_suggestion(commune, resident)
    site = admin_client(staff)
    response = site.post(
        decide_url(suggestion),
        {"action": "refuse", "refuse-reason": "Ce trottoir relève du département."},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REFUSED
    assert suggestion.refusal_reason == "Ce trottoir relève du département."
    html = site.get(decide_url(suggestion)).content.decode()
    assert "Ce trottoir relève du département." in html
    assert "Changer le statut" not in html


def test_staff_change_the_status_and_close_voting(commune, resident, staff):
    suggestion = town_hall.suggestion_accept(
        suggestion=waiting_suggestion(commune, resident), by=staff
    )
    site = admin_client(staff)
    refused = site.post(
        decide_url(suggestion), {"action": "status", "status-status": "done", "status-note": ""}
    )
    assert refused.status_code == 200
    assert "Expliquez la décision aux habitants dans une note." in refused.content.decode()
    response = site.post(
        decide_url(suggestion),
        {"action": "status", "status-status": "under_study", "status-note": "Devis demandé."},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.UNDER_STUDY
    html = site.get(decide_url(suggestion)).content.decode()
    assert "Devis demandé." in html and "À l&#x27;étude" in html
    assert site.post(decide_url(suggestion), {"action": "close"}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.voting_closed_at is not None
    again = site.post(decide_url(suggestion), {"action": "close"}, follow=True)
    assert "Les votes sont déjà clos." in again.content.decode()


def test_another_commune_s_suggestion_is_404(commune, other_commune, staff):
    suggestion = waiting_suggestion(other_commune, root())
    site = admin_client(staff)
    assert site.get(decide_url(suggestion)).status_code == 404
    assert site.post(decide_url(suggestion), {"action": "accept"}).status_code == 404
    assert site.get(f"/admin/suggestions/{suggestion.pk}/photo/").status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROPOSED


def test_the_photo_is_served_to_the_staff_only(commune, resident, staff, other_staff):
    suggestion = waiting_suggestion(commune, resident)
    photo_url = f"/admin/suggestions/{suggestion.pk}/photo/"
    assert admin_client(staff).get(photo_url).status_code == 404  # none yet
    suggestion.photo.save("banc.jpg", ContentFile(jpeg()))
    response = admin_client(staff).get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == jpeg()
    assert photo_url in admin_client(staff).get(decide_url(suggestion)).content.decode()
    assert admin_client(other_staff).get(photo_url).status_code == 404
    with pytest.raises(ValueError):  # private storage: no public URL
        suggestion.photo.url  # noqa: B018


# --- the categories ------------------------------------------------------------------------


def test_staff_add_rename_and_retire_categories(commune, other_commune, staff):
    site = admin_client(staff)
    form = site.get("/admin/suggestion_categories/new/")
    assert form.status_code == 200
    assert "Cocody" not in form.content.decode()
    response = site.post(
        "/admin/suggestion_categories/new/",
        {"commune": commune.pk, "name": "Propreté", "position": 3, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    category = Category.objects.get()
    assert (category.commune, category.name, category.position, category.active) == (
        commune,
        "Propreté",
        3,
        True,
    )
    duplicate = site.post(
        "/admin/suggestion_categories/new/",
        {"commune": commune.pk, "name": "propreté", "position": 4, "active": "on"},
    )
    assert duplicate.status_code == 200
    assert "La commune a déjà une catégorie de ce nom." in duplicate.content.decode()
    elsewhere = site.post(
        "/admin/suggestion_categories/new/",
        {"commune": other_commune.pk, "name": "X", "position": 0, "active": "on"},
    )
    assert elsewhere.status_code == 200
    response = site.post(
        f"/admin/suggestion_categories/edit/{category.pk}/",
        {"name": "Propreté des rues", "position": 1},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert (category.name, category.position, category.active) == ("Propreté des rues", 1, False)
    assert Category.objects.count() == 1
    assert "Propreté des rues" in site.get("/admin/suggestion_categories/").content.decode()


def test_only_an_unused_category_is_deleted(commune, resident, staff):
    used = staff_category(commune, "Voirie")
    waiting_suggestion(commune, resident, category=used)
    unused = staff_category(commune, "Autre")
    site = admin_client(staff)
    refused = site.post(f"/admin/suggestion_categories/delete/{used.pk}/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")  # Wagtail's refusal
    assert Category.objects.filter(pk=used.pk).exists()
    assert site.post(f"/admin/suggestion_categories/delete/{unused.pk}/").status_code == 302
    assert not Category.objects.filter(pk=unused.pk).exists()


def test_another_commune_s_category_is_404(other_commune, staff):
    category = staff_category(other_commune, "Catégorie de Cocody")
    site = admin_client(staff)
    assert site.get(f"/admin/suggestion_categories/edit/{category.pk}/").status_code == 404
    assert site.post(f"/admin/suggestion_categories/delete/{category.pk}/").status_code == 404
    assert "Catégorie de Cocody" not in site.get("/admin/suggestion_categories/").content.decode()


def test_a_commune_without_categories_starts_with_the_defaults(commune, staff):
    page = admin_client(staff, host="saint-malo.localhost").get("/admin/suggestion_categories/")
    assert page.status_code == 200
    assert list(Category.objects.filter(commune=commune).values_list("name", flat=True)) == [
        "Voirie et circulation",
        "Propreté",
        "Espaces verts",
        "Sécurité",
        "Culture et loisirs",
        "Vie associative",
        "Autre",
    ]
    assert "Vie associative" in page.content.decode()


# --- the history -------------------------------------------------------------------------


def test_the_town_hall_s_decisions_are_in_the_suggestion_s_history(
    commune, resident, staff, other_staff
):
    """Every decision is in Wagtail's history of the suggestion (who, when, what), in
    French; another commune's staff get 404 there as everywhere."""
    published = town_hall.suggestion_accept(
        suggestion=waiting_suggestion(commune, resident, title="Une piste cyclable"), by=staff
    )
    town_hall.status_set(
        suggestion=published, by=staff, status=Status.DONE, note="Travaux finis en mai."
    )
    refused = town_hall.suggestion_refuse(
        suggestion=waiting_suggestion(commune, resident, title="Un casino"),
        by=staff,
        reason="Hors des compétences de la commune.",
    )
    site = admin_client(staff)
    history = site.get(f"/admin/suggestions/history/{published.pk}/")
    assert history.status_code == 200
    html = history.content.decode()
    assert "Suggestion acceptée et publiée" in html
    assert "Statut « Réalisée » : Travaux finis en mai." in html
    assert "Claire" in html
    refusal = site.get(f"/admin/suggestions/history/{refused.pk}/").content.decode()
    assert "Suggestion refusée : Hors des compétences de la commune." in refusal
    assert (
        f'href="/admin/suggestions/history/{published.pk}/"'
        in site.get(decide_url(published)).content.decode()
    )
    stranger = admin_client(other_staff)
    assert stranger.get(f"/admin/suggestions/history/{published.pk}/").status_code == 404


def test_the_history_rows_say_each_decision_and_lead_back_to_the_decision_page(
    commune, resident, staff
):
    """Each row of the history reads its decision (not only the filter's list of actions),
    and the header leads to the decision page: a suggestion has no edit form."""
    published = town_hall.suggestion_accept(
        suggestion=waiting_suggestion(commune, resident, title="Une piste cyclable"), by=staff
    )
    town_hall.voting_close(suggestion=published, by=staff)
    html = admin_client(staff).get(f"/admin/suggestions/history/{published.pk}/").content
    page = html.decode()
    rows = page[page.index("<tbody", page.index("listing")) :]
    assert "Suggestion acceptée et publiée" in rows
    assert "Votes clos" in rows
    assert f'href="{decide_url(published)}"' in page
