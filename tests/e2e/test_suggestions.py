"""SUG-1 and SUG-2 in a real browser, at 390 px: a resident proposes a suggestion on the
site; the town hall accepts it in the Wagtail admin (with its second factor); another
resident votes against with a comment, sees the totals and their comment marked "Contre"."""

import re

import pytest

from communes.models import StaffRole
from modules.suggestions.categories import default_categories
from modules.suggestions.models import Suggestion
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import grant, validated
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
TITLE = "Un banc place du marché"
TEXT = "Les personnes âgées n'ont nulle part où s'asseoir le samedi matin."
COMMENT = "Il y a déjà trois bancs devant l'église, à deux pas."


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_proposal_is_accepted_and_voted_against(browser, page, site_url, commune):
    author = UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand")
    validated(author, commune)
    voter = UserFactory(email="paul@example.org", first_name="Paul", last_name="Martin")
    validated(voter, commune)
    clerk = UserFactory(email="claire@example.org", first_name="Claire", last_name="Lemoine")
    grant(commune, clerk, StaffRole.Role.COUNCIL)
    default_categories(commune)

    # The resident proposes it on the site.
    log_in(page, site_url, HOST, author.email, PASSWORD)
    page.goto(site_url(HOST, "/suggestions/proposer/"))
    assert fits_the_screen(page)
    page.get_by_label("Catégorie").select_option(label="Espaces verts")
    page.get_by_label("Titre de votre suggestion").fill(TITLE)
    page.get_by_role("textbox", name="Votre suggestion", exact=True).fill(TEXT)
    page.get_by_role("button", name="Envoyer ma suggestion").click()
    page.wait_for_url(lambda url: "/proposer/" not in url)
    suggestion = Suggestion.objects.get()
    assert (suggestion.title, suggestion.status) == (TITLE, Suggestion.Status.PROPOSED)

    # The town hall reads it in the admin and accepts it.
    staff = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    staff.set_default_timeout(10_000)
    browser_log_in(staff, site_url, HOST, clerk.email, PASSWORD, user=clerk, then="/admin/")
    assert "Suggestions (1)" in staff.content()
    staff.goto(site_url(HOST, "/admin/suggestions/"))
    staff.get_by_role("link", name=TITLE).click()
    staff.wait_for_url(re.compile(rf"/admin/suggestions/{suggestion.pk}/decide/$"))
    proposal = staff.get_by_role("region", name="La proposition").inner_text()
    assert TEXT in proposal and "Marie Durand" in proposal and "Espaces verts" in proposal
    staff.get_by_role("button", name="Accepter et publier").click()
    staff.wait_for_url(re.compile(rf"/admin/suggestions/{suggestion.pk}/decide/$"))
    assert "La suggestion est publiée" in staff.content()
    assert fits_the_screen(staff)
    staff.context.close()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.PUBLISHED

    # Another resident votes against it with a comment.
    other = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    other.set_default_timeout(10_000)
    log_in(other, site_url, HOST, voter.email, PASSWORD)
    other.goto(site_url(HOST, "/suggestions/"))
    other.get_by_role("link", name=TITLE).click()
    other.wait_for_url(re.compile(rf"/suggestions/{suggestion.pk}/$"))
    other.get_by_label("Contre").check()
    other.get_by_label("Votre commentaire (facultatif)").fill(COMMENT)
    other.get_by_role("button", name="Voter").click()
    other.wait_for_url(re.compile(rf"/suggestions/{suggestion.pk}/"))
    votes = other.locator("#vote")
    assert "0 pour · 1 contre" in votes.inner_text()
    comments = other.locator("#comments")
    comment = comments.locator("article, li").filter(has_text=COMMENT).first
    assert "Contre" in comment.inner_text()
    assert "paul@example.org" not in other.content()
    assert fits_the_screen(other)
    other.context.close()

    suggestion.refresh_from_db()
    assert (suggestion.votes_for, suggestion.votes_against) == (0, 1)
