"""The demo runs like production for its visitors (issue 14).

DEBUG is off unless ``DJANGO_DEBUG=1``: a disabled module's address or a missing page
shows the theme's French 404 page, never Django's English debug page; static files are
collected and served by WhiteNoise; uploaded media still reach the browser through a
demo-only route; ``/favicon.ico`` is a real icon.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.alerts import switch

ROOT = Path(__file__).resolve().parents[3]
HOST = "saint-malo.localhost"
ICO_HEADER = b"\x00\x00\x01\x00"


def _run(code: str, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path[:0] = ['platform', '.']; {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _demo_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.demo",
        VOISINAGE_VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


@pytest.mark.parametrize(("value", "debug"), [(None, False), ("1", True), ("0", False)])
def test_the_demo_has_debug_off_unless_asked(tmp_path, value, debug):
    extra = {"DJANGO_DEBUG": value} if value is not None else {}
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.DEBUG, settings.SERVE_MEDIA,"
        " settings.STORAGES['staticfiles']['BACKEND']]))"
    )
    out = _run(code, _demo_env(tmp_path, **extra))
    assert out.returncode == 0, out.stderr
    seen_debug, serve_media, storage = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen_debug is debug
    assert serve_media is True
    assert storage == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if debug
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_a_disabled_module_answers_the_french_404_page(client, commune, settings):
    assert settings.DEBUG is False
    switch(commune, "classifieds", False)
    response = client.get("/annonces/", HTTP_HOST=HOST)
    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>Page introuvable</h1>" in body
    assert "Module disabled" not in body
    assert "Saint-Malo" in body  # the commune's own page, in its theme
    switch(commune, "classifieds", True)  # on again: the login page, for residents
    assert client.get("/annonces/", HTTP_HOST=HOST)["Location"] == (
        "/compte/connexion/?next=/annonces/"
    )


def test_favicon_ico_is_an_icon(client, commune):
    for host in (HOST, "localhost"):
        response = client.get("/favicon.ico", HTTP_HOST=host)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/x-icon"
        assert response.content.startswith(ICO_HEADER)
        assert "max-age=86400" in response["Cache-Control"]


def test_pages_link_the_icons(client, commune):
    body = client.get("/", HTTP_HOST=HOST).content.decode()
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in body
    assert 'href="/static/themes/default/favicon.svg" type="image/svg+xml"' in body


@pytest.mark.django_db(transaction=True)
def test_the_demo_serves_collected_static_files_and_media(tmp_path):
    """collectstatic (as `make demo-data` runs it), then WhiteNoise serves the hashed files
    and the demo's media route serves uploads, with DEBUG off."""
    db = connection.settings_dict
    env = _demo_env(
        tmp_path,
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    collect = _run(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('collectstatic', interactive=False, verbosity=0)",
        env,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    media = tmp_path / "var" / "media" / "original_images"  # the demo's MEDIA_ROOT
    media.mkdir(parents=True)
    (media / "lavoir.txt").write_text("le lavoir")
    code = """
import django, json; django.setup()
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
client = Client(HTTP_HOST="localhost")
svg = static("themes/default/favicon.svg")
css = client.get(static("themes/default/css/site.css"))
icon = client.get(svg)
media = client.get("/media/original_images/lavoir.txt")
missing = client.get("/static/themes/default/nope.css")
print(json.dumps({
    "debug": settings.DEBUG,
    "svg": svg,
    "icon": [icon.status_code, icon["Content-Type"], icon.get("Cache-Control", "")],
    "css": css.status_code,
    "media": [media.status_code, b"".join(media.streaming_content).decode()],
    "missing": [missing.status_code, missing.content.decode()[:2000]],
}))
"""
    out = _run(code, env)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    # A hashed name (ManifestStaticFilesStorage), served by WhiteNoise for a year.
    assert seen["svg"].startswith("/static/themes/default/favicon.") and seen["svg"] != (
        "/static/themes/default/favicon.svg"
    )
    assert seen["icon"][0] == 200
    assert seen["icon"][1] == "image/svg+xml"
    assert "immutable" in seen["icon"][2]
    assert seen["css"] == 200
    assert seen["media"] == [200, "le lavoir"]
    assert seen["missing"][0] == 404
    assert "Page introuvable" in seen["missing"][1]
    assert "Traceback" not in seen["missing"][1]
