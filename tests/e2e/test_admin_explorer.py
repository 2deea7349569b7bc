"""Issue 14 in a real browser: the Wagtail admin's page explorer works for staff.

Its sidebar menu reads Wagtail's admin API, which the project's API versioning used to
refuse ("Erreur de serveur" in the menu, "Tout voir" leading to /admin/pages/0/). A
town-hall staff member and the platform admin open "Pages", see the commune's pages,
go through the explorer to the commune's listing and open a news page's edit view.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Page

from communes.models import NewsPage, StaffRole
from communes.services import staff_role_grant
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "saint-malo.localhost"
NEWS = "Marché de Noël sur la place"


@pytest.fixture
def admin_page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.api_errors = errors
    yield page
    context.close()


@pytest.fixture
def news(commune):
    page = NewsPage(
        title=NEWS,
        body="<p>Du 1er au 24 décembre.</p>",
        intro="Le marché revient.",
        date=datetime.date(2026, 12, 1),
    )
    commune.site.root_page.add_child(instance=page)
    return page


def open_explorer(page):
    page.locator(".sidebar-page-explorer-item button").first.click()
    page.locator(".c-page-explorer").wait_for()


def api_errors(page) -> list[str]:
    """Failed calls to Wagtail's admin API. The explorer treats the tree's root as page 1
    and asks the API for any other start page: after a transactional test's flush the
    root comes back with another id, which the API does not serve (404), so that call is
    left out here; in a real database the root is page 1."""
    tree_root = Page.objects.get(depth=1).pk
    return [
        error
        for error in page.api_errors
        if "/admin/api/" in error and not error.endswith(f"/admin/api/main/pages/{tree_root}/")
    ]


def listing_then_edit(page, site_url, commune, news):
    """The explorer's header links to the listing of the page it shows (with the API
    refused, the explorer had no page and its links led to /admin/pages/0/)."""
    home = commune.site.root_page
    header = page.locator(".c-page-explorer__header__title")
    assert header.get_attribute("href") == f"/admin/pages/{home.pk}/"
    header.click()
    page.wait_for_url(site_url(HOST, f"/admin/pages/{home.pk}/"))
    page.get_by_role("link", name=NEWS).first.click()
    page.wait_for_url(site_url(HOST, f"/admin/pages/{news.pk}/edit/"))
    assert page.locator("input[name=title]").input_value() == NEWS


def test_town_hall_staff_explores_the_commune_pages(
    admin_page, site_url, live_server, commune, other_commune, news
):
    person = UserFactory(email="communication@saint-malo.example.org")
    root = get_user_model().objects.get(email="root@example.org")
    staff_role_grant(commune=commune, user=person, role=StaffRole.Role.COMMUNICATION, by=root)
    page = admin_page
    browser_log_in(page, site_url, HOST, person.email, PASSWORD, user=person, then="/admin/")

    open_explorer(page)
    panel = page.locator(".c-page-explorer")
    # The explorer starts at the commune's home page, the root of the staff's rights.
    panel.locator(".c-page-explorer__item", has_text=NEWS).wait_for()
    page.screenshot(path="/tmp/voisinage-admin-explorer-staff.png")
    assert "Saint-Malo" in panel.locator(".c-page-explorer__header").inner_text()
    assert "Cocody" not in panel.inner_text()
    assert "Erreur" not in panel.inner_text()
    page.screenshot(path="/tmp/voisinage-admin-explorer-staff.png")
    listing_then_edit(page, site_url, commune, news)
    assert not api_errors(page)


def test_the_platform_admin_explores_every_commune(
    admin_page, site_url, live_server, commune, other_commune, news
):
    root = get_user_model().objects.get(email="root@example.org")
    root.set_password(PASSWORD)
    root.email_verified_at = timezone.now()
    root.save()
    page = admin_page
    browser_log_in(page, site_url, HOST, root.email, PASSWORD, user=root, then="/admin/")

    open_explorer(page)
    panel = page.locator(".c-page-explorer")
    # The tree's root: every commune's home page, Saint-Malo's to open.
    panel.locator(".c-page-explorer__item", has_text="Cocody").wait_for()
    saint_malo = panel.locator(".c-page-explorer__item", has_text="Saint-Malo")
    saint_malo.locator(".c-page-explorer__item__action").last.click()
    panel.locator(".c-page-explorer__item", has_text=NEWS).wait_for()
    page.screenshot(path="/tmp/voisinage-admin-explorer-superuser.png")
    # Back up to the tree's root, then Saint-Malo's own link: the commune's listing.
    panel.get_by_role("link", name="Saint-Malo").first.click()
    panel.locator(".c-page-explorer__item", has_text=NEWS).wait_for(state="detached")
    saint_malo.locator(".c-page-explorer__item__link").click()
    home = commune.site.root_page
    page.wait_for_url(site_url(HOST, f"/admin/pages/{home.pk}/"))
    page.get_by_role("link", name=NEWS).first.click()
    page.wait_for_url(site_url(HOST, f"/admin/pages/{news.pk}/edit/"))
    assert page.locator("input[name=title]").input_value() == NEWS
    assert not api_errors(page)


def test_the_town_hall_confirms_before_sending_an_alert(admin_page, site_url, live_server, commune):
    """The dashboard lists the week's alerts; the send form asks for a confirmation
    (the browser requires the box, the server checks it too) and says "Envoyer l'alerte"."""
    from modules.alerts.models import Alert
    from tests.follows import validated

    person = UserFactory(email="alertes@saint-malo.example.org")
    root = get_user_model().objects.get(email="root@example.org")
    staff_role_grant(commune=commune, user=person, role=StaffRole.Role.COMMUNICATION, by=root)
    validated(UserFactory(), commune)
    page = admin_page
    browser_log_in(page, site_url, HOST, person.email, PASSWORD, user=person, then="/admin/")
    assert page.locator("[data-alerts-week]").get_attribute("data-alerts-week") == "0"

    page.goto(site_url(HOST, "/admin/alerts/new/"))
    page.locator("select[name=category]").select_option("roads")
    page.locator("textarea[name=text]").fill("Pont Saint-Vincent fermé jusqu'à 18 h.")
    send = page.get_by_role("button", name=re.compile("^Envoyer l.alerte$"))
    send.click()  # the box is not ticked: the browser keeps the form
    assert page.url == site_url(HOST, "/admin/alerts/new/")
    assert not Alert.objects.exists()
    page.locator("input[name=confirm]").check()
    send.click()
    page.wait_for_url(site_url(HOST, "/admin/alerts/"))
    assert Alert.objects.get().text == "Pont Saint-Vincent fermé jusqu'à 18 h."
    page.goto(site_url(HOST, "/admin/"))
    assert page.locator("[data-alerts-week]").get_attribute("data-alerts-week") == "1"
    page.screenshot(path="/tmp/voisinage-admin-dashboard.png", full_page=True)
