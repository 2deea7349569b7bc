"""ACC-3 in a real browser: 5 wrong passwords lock the account, the emailed link unlocks it.

The live server runs in the test's process with the locmem email backend, so the
test reads the reset email from ``django.core.mail.outbox``.
"""

import re

import pytest
from django.core import mail

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
NEW_PASSWORD = "un tout nouveau mot de passe 2026"


def test_lockout_then_unlock_with_the_reset_link(page, site_url, live_server, commune):
    resident = UserFactory(email="marie@example.org", first_name="Marie", last_name="Durand")
    mail.outbox.clear()

    for _ in range(5):
        log_in(page, site_url, HOST, resident.email, "pas le bon mot de passe")
        page.get_by_role("alert").first.wait_for()  # the answer to the POST is on screen
    alert = page.get_by_role("alert").filter(has_text="Votre compte est verrouillé")
    assert alert.is_visible()
    assert "après 5 mots de passe erronés" in alert.inner_text()
    # The owner is told at once, with the link that unlocks (issue 21).
    assert [message.subject for message in mail.outbox] == [
        "Votre compte est verrouillé : choisissez un nouveau mot de passe"
    ]

    # Even the right password is refused now.
    log_in(page, site_url, HOST, resident.email, PASSWORD)
    page.get_by_role("alert").filter(has_text="verrouillé").wait_for()

    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.wait_for_url(re.compile(r"/compte/mot-de-passe/oublie/$"))
    page.locator("input[name=email]").fill(resident.email)
    page.get_by_role("button", name="Envoyer le lien").click()
    page.wait_for_url(re.compile(r"/compte/mot-de-passe/oublie/envoye/$"))

    assert len(mail.outbox) == 2  # the lock's notice, then the link asked for
    link = re.search(r"https?://\S+/compte/mot-de-passe/nouveau/\S+", mail.outbox[1].body)
    assert link, mail.outbox[1].body
    assert link.group(0).startswith(site_url(HOST, "/"))
    page.goto(link.group(0))
    page.wait_for_url(re.compile(r"/compte/mot-de-passe/nouveau/[^/]+/set-password/$"))
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.wait_for_url(re.compile(r"/compte/mot-de-passe/nouveau/termine/$"))
    assert page.get_by_role("heading", name="Mot de passe modifié").is_visible()

    log_in(page, site_url, HOST, resident.email, NEW_PASSWORD)
    page.wait_for_url(site_url(HOST, "/"))
    assert page.get_by_role("alert").filter(has_text="verrouillé").count() == 0
