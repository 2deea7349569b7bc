from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory

from modules.classifieds.receivers import home_panel
from modules.classifieds.services import classified_close


def request_for(user):
    request = RequestFactory().get("/", HTTP_HOST="saint-malo.localhost")
    request.user = user
    return request


def test_home_panel_shows_the_three_latest_open_classifieds(commune, resident, publish):
    ads = [publish(commune, resident, title=f"Annonce {n}") for n in range(5)]
    classified_close(classified=ads[4], by=resident)
    order, template, context = home_panel(commune, request=request_for(resident))
    assert order == 30
    assert template == "classifieds/home_panel.html"
    assert context["classifieds"] == [ads[3], ads[2], ads[1]]


def test_home_panel_is_for_logged_in_residents(commune, resident, publish):
    publish(commune, resident)
    assert home_panel(commune, request=request_for(AnonymousUser())) is None


def test_home_panel_template_renders_links(commune, resident, publish):
    classified = publish(commune, resident, title="Garde de chien")
    html = render_to_string(
        "classifieds/home_panel.html", {"panel": {"classifieds": [classified]}, "commune": commune}
    )
    assert "Garde de chien" in html
    assert f"/annonces/{classified.pk}/" in html


def test_commune_home_page_shows_the_panel(commune, resident, publish):
    from django.test import Client

    publish(commune, resident, title="Garde de chien")
    client = Client(HTTP_HOST="saint-malo.localhost")
    client.force_login(resident)
    response = client.get("/")
    assert response.status_code == 200
    assert "Garde de chien" in response.text
