"""Themes: the loader's lookup order, its cache, the registry and the themes' colours."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import engines
from django.template.loader import get_template
from django.test import Client

from core import themes

THEMES_DIR = Path(settings.THEMES_DIR)
THEME_NAMES = sorted(p.name for p in THEMES_DIR.iterdir() if (p / "theme.json").is_file())


def origin_theme(template_name: str) -> str:
    """Name of the theme folder the template was loaded from."""
    path = Path(get_template(template_name).origin.name).resolve()
    return path.relative_to(THEMES_DIR.resolve()).parts[0]


class use_theme:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.token = themes.activate(self.name)

    def __exit__(self, *exc):
        themes.deactivate(self.token)


# --- Registry -----------------------------------------------------------------


def test_both_themes_are_available():
    assert {"default", "bocage"} <= set(THEME_NAMES)


def test_theme_choices_lists_both_themes_with_their_labels():
    choices = {name: str(label) for name, label in themes.theme_choices()}
    assert choices["default"] == "Classique"
    assert choices["bocage"] == "Bocage"


def test_unknown_theme_falls_back_to_default():
    with use_theme("no-such-theme"):
        assert themes.current_theme() == "default"
        assert origin_theme("base.html") == "default"


# --- Loader ---------------------------------------------------------------------


def test_loader_picks_the_current_theme_first():
    with use_theme("bocage"):
        assert origin_theme("communes/commune_page.html") == "bocage"
        assert origin_theme("includes/header.html") == "bocage"


def test_loader_falls_back_to_default_for_templates_a_theme_lacks():
    with use_theme("bocage"):
        assert origin_theme("base.html") == "default"
        assert origin_theme("communes/news_page.html") == "default"
        assert origin_theme("accounts/login.html") == "default"


def test_default_theme_uses_its_own_templates():
    with use_theme("default"):
        assert origin_theme("communes/commune_page.html") == "default"
        assert origin_theme("includes/header.html") == "default"


def test_cache_keeps_themes_apart_in_one_process():
    with use_theme("bocage"):
        bocage = get_template("includes/header.html").origin.name
    with use_theme("default"):
        default = get_template("includes/header.html").origin.name
    with use_theme("bocage"):
        again = get_template("includes/header.html").origin.name
    assert "bocage" in bocage and "default" in default and again == bocage


@pytest.mark.django_db
def test_rendering_a_bocage_commune_does_not_leak_into_a_default_one(commune, other_commune):
    commune.theme = "bocage"
    commune.save()

    bocage = Client().get("/", HTTP_HOST="saint-malo.localhost").content.decode()
    default = Client().get("/", HTTP_HOST="cocody.localhost").content.decode()
    bocage_again = Client().get("/", HTTP_HOST="saint-malo.localhost").content.decode()

    assert "home--bocage" in bocage and "site-header--bocage" in bocage
    assert "home--bocage" not in default and "site-header--bocage" not in default
    assert "/static/themes/default/css/theme.css" in default
    assert "home--bocage" in bocage_again
    assert themes.current_theme() == "default"  # the middleware reset the theme


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_every_template_of_every_theme_compiles(theme):
    engine = engines["django"]
    folder = THEMES_DIR / theme / "templates"
    names = [str(p.relative_to(folder)) for p in folder.rglob("*.html")]
    assert names
    with use_theme(theme):
        for name in names:
            engine.get_template(name)


def test_server_error_page_renders_without_context():
    html = get_template("500.html").render()
    assert "/static/themes/default/css/site.css" in html
    assert '<main id="main"' in html


# --- Static files and colours ---------------------------------------------------------


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_each_theme_has_its_theme_css(theme):
    assert (THEMES_DIR / theme / "static" / "css" / "theme.css").is_file()
    assert finders.find(f"themes/{theme}/css/theme.css")


def test_layout_stylesheet_is_served_from_the_default_theme():
    assert finders.find("themes/default/css/site.css")


def custom_properties(theme: str) -> dict[str, str]:
    css = (THEMES_DIR / theme / "static" / "css" / "theme.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return {name: value.strip() for name, value in re.findall(r"--([\w-]+)\s*:\s*([^;]+);", css)}


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_theme_css_holds_only_custom_properties_of_root(theme):
    css = (THEMES_DIR / theme / "static" / "css" / "theme.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors = [s.strip() for s in re.findall(r"([^{}]+)\{", css)]
    assert selectors == [":root"]
    declarations = [d.strip() for d in re.search(r"\{(.*)\}", css, re.S).group(1).split(";")]
    assert all(d.startswith("--") for d in declarations if d)


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_theme_declares_every_property_of_the_default(theme):
    # base.html loads only the current theme's theme.css: it must be complete.
    assert set(custom_properties(theme)) == set(custom_properties("default"))


def test_site_css_uses_only_declared_properties():
    css = (THEMES_DIR / "default" / "static" / "css" / "site.css").read_text(encoding="utf-8")
    used = set(re.findall(r"var\(--([\w-]+)", css))
    declared = set(custom_properties("default")) | set(re.findall(r"--([\w-]+)\s*:", css))
    assert used <= declared, used - declared


def relative_luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    assert re.fullmatch(r"[0-9a-fA-F]{6}", hex_colour), hex_colour

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def colour_pairs(props: dict[str, str]) -> list[tuple[str, str, float]]:
    """(foreground, background, minimum ratio) by the conventions stated in theme.css."""
    colours = {k: v for k, v in props.items() if k.startswith("color-")}
    pairs = []
    for name in colours:
        if name.startswith("color-on-"):
            pairs.append((name, "color-" + name.removeprefix("color-on-"), 4.5))
        elif name.startswith("color-text-") or name in ("color-link", "color-link-hover"):
            pairs += [(name, bg, 4.5) for bg in ("color-bg", "color-surface", "color-subtle")]
        elif name == "color-focus":
            pairs += [(name, bg, 3.0) for bg in ("color-bg", "color-surface")]
        elif name.startswith("color-focus-"):
            pairs.append((name, "color-" + name.removeprefix("color-focus-"), 3.0))
    return pairs


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_theme_colours_reach_wcag_aa_contrast(theme):
    props = custom_properties(theme)
    pairs = colour_pairs(props)
    assert len(pairs) >= 20  # the conventions are actually followed
    failures = []
    for foreground, background, minimum in pairs:
        assert background in props, f"{theme}: {foreground} has no {background}"
        ratio = contrast_ratio(props[foreground], props[background])
        if ratio < minimum:
            failures.append(f"{foreground} on {background}: {ratio:.2f} < {minimum}")
    assert not failures, f"{theme}: " + "; ".join(failures)


def test_the_two_themes_look_different():
    default, bocage = custom_properties("default"), custom_properties("bocage")
    assert default["color-primary"] != bocage["color-primary"]
    assert default["font-heading"] != bocage["font-heading"]
