"""End-to-end tests in Debian's headless Chromium, driven by Playwright (no browser download).

Pages are served by pytest-django's ``live_server``; each commune answers on its
own ``*.localhost`` host name, which Chromium resolves to 127.0.0.1 by itself.
"""

import os
from urllib.parse import urlsplit

import pytest

from tests.initial_data import ensure_initial_data

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def initial_data(transactional_db):
    """Every end-to-end test is transactional (the live server reads committed data);
    tests/conftest.py puts back the migrations' rows after each one's flush."""
    ensure_initial_data()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run `make setup` (apt-get install chromium)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def site_url(live_server):
    """``site_url("saint-malo.localhost", "/annonces/")`` on the live server's port."""
    port = urlsplit(live_server.url).port

    def build(hostname: str, path: str = "/") -> str:
        return f"http://{hostname}:{port}{path}"

    return build


def log_in(page, site_url, hostname: str, email: str, password: str) -> None:
    page.goto(site_url(hostname, "/compte/connexion/"))
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
