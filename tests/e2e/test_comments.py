"""CNT-1 in a real browser: a resident comments on a news item, the town hall answers from
the admin, and the resident sees the answer signed "Mairie de Saint-Malo", marked new."""

import datetime
import re

import pytest

from communes.models import NewsPage, StaffRole
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import grant, validated
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"


def test_a_resident_comments_and_the_town_hall_answers(browser, page, site_url, commune):
    news = NewsPage(
        title="Travaux rue de Dinan",
        slug="travaux",
        body="<p>La rue sera fermée du 3 au 7 mars.</p>",
        date=datetime.date(2026, 3, 1),
    )
    commune.site.root_page.add_child(instance=news)
    resident = UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand")
    validated(resident, commune)
    clerk = UserFactory(email="claire@example.org", first_name="Claire", last_name="Lemoine")
    grant(commune, clerk, StaffRole.Role.COUNCIL)

    log_in(page, site_url, HOST, resident.email, PASSWORD)
    page.goto(site_url(HOST, "/travaux/"))
    page.get_by_label("Votre commentaire").fill("Le marché du samedi est-il maintenu ?")
    page.get_by_role("button", name="Publier mon commentaire").click()
    page.wait_for_url(re.compile(r"/travaux/#comment-\d+$"))
    comments = page.get_by_role("region", name="Commentaires")
    assert "Le marché du samedi est-il maintenu ?" in comments.inner_text()

    staff = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    staff.set_default_timeout(10_000)
    browser_log_in(
        staff, site_url, HOST, clerk.email, PASSWORD, user=clerk, then="/admin/comments/"
    )
    staff.get_by_role("link", name="Répondre").first.click()
    staff.wait_for_url(re.compile(r"/admin/comments/\d+/reply/$"))
    assert staff.get_by_label("Répondre au nom de la mairie").is_checked()
    staff.get_by_label("Votre réponse").fill(
        "Oui, il s’installe sur le parking de la salle des fêtes."
    )
    staff.get_by_role("button", name="Publier la réponse").click()
    staff.wait_for_url(re.compile(r"/admin/comments/$"))
    staff.context.close()

    page.goto(site_url(HOST, "/travaux/"))
    comments = page.get_by_role("region", name="Commentaires")
    text = comments.inner_text()
    assert "1 nouveau commentaire depuis votre dernière visite." in text
    answer = comments.locator(".comment--new")
    assert answer.count() == 1
    assert "Mairie de Saint-Malo · Élu du conseil municipal" in answer.inner_text()
    assert "Nouveau" in answer.inner_text()
    assert "parking de la salle des fêtes" in answer.inner_text()
    assert "claire@example.org" not in text
