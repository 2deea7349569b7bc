"""CLS-1 in a real browser: a resident publishes a classified, sees it, changes it, closes it.

Locators accept the French wording and the English source text, so the test
does not depend on the exact words the French catalogue will choose.
"""

import re

import pytest

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.follows import validated

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
TITLE = "Aide pour porter des cartons"


def words(*alternatives: str) -> re.Pattern:
    return re.compile("|".join(alternatives), re.IGNORECASE)


def test_resident_publishes_and_closes_a_classified(page, site_url, live_server, commune):
    resident = UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand")
    validated(resident, commune)  # classifieds are for residents the town hall validated
    log_in(page, site_url, HOST, resident.email, PASSWORD)

    page.goto(site_url(HOST, "/annonces/"))
    page.get_by_role("link", name=words("Publier une annonce", "Publish a classified")).click()
    page.get_by_label(words("Demande de service", "Request for service")).check()
    page.get_by_label(words("^Titre", "^Title")).fill(TITLE)
    page.get_by_label(words("^Description")).fill("Samedi matin, déménagement au 2e étage.")
    page.get_by_label(words("Afficher mon adresse électronique", "Show my e-mail address")).check()
    page.get_by_label(words("Autres moyens de vous joindre", "Other ways to reach you")).fill(
        "Plutôt le soir"
    )
    page.get_by_label(words("jours", "days")).fill("7")
    page.get_by_role("button", name=words("^Publier$", "^Publish$")).click()

    page.wait_for_url(re.compile(r"/annonces/\d+/$"))
    assert page.get_by_role("heading", name=TITLE).is_visible()
    contact = page.get_by_role("region", name=words("Contacter l.auteur", "Contact the author"))
    assert contact.get_by_role("link", name="marie@example.org").is_visible()
    assert "Plutôt le soir" in contact.inner_text()

    # The author changes it: the new title shows at once.
    page.get_by_role("link", name=words("^Modifier$", "^Edit$")).click()
    page.wait_for_url(re.compile(r"/annonces/\d+/modifier/$"))
    page.get_by_label(words("^Titre", "^Title")).fill(f"{TITLE} (samedi)")
    page.get_by_role("button", name=words("^Enregistrer$", "^Save$")).click()
    page.wait_for_url(re.compile(r"/annonces/\d+/$"))
    assert page.get_by_role("heading", name=f"{TITLE} (samedi)").is_visible()

    page.goto(site_url(HOST, "/annonces/"))
    assert page.get_by_role("link", name=TITLE).is_visible()

    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name=words("Fermer cette annonce", "Close this classified")).click()
    page.wait_for_url(re.compile(r"/annonces/mes-annonces/$"))
    assert TITLE in page.get_by_role("status").inner_text()

    page.goto(site_url(HOST, "/annonces/"))
    assert page.get_by_role("link", name=TITLE).count() == 0
