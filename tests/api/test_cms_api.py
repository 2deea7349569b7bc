"""Wagtail's headless API (API-2): a commune's pages on its host, newest news first."""

import datetime

from communes.models import NewsPage


def _news(commune, title, day):
    page = NewsPage(
        title=title, body=f"<p>{title}</p>", intro=title, date=datetime.date(2026, 11, day)
    )
    commune.site.root_page.add_child(instance=page)
    return page


def test_news_of_a_commune_are_readable_headless_on_its_host(client, commune, other_commune):
    _news(commune, "Marché de Noël", 20)
    _news(commune, "Travaux", 22)
    _news(other_commune, "Nettoyage", 21)
    response = client.get(
        "/api/cms/v2/pages/",
        {"type": "communes.NewsPage", "fields": "date,intro", "order": "-date"},
        HTTP_HOST="saint-malo.localhost",
    )
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [item["title"] for item in items] == ["Travaux", "Marché de Noël"]
    assert items[0]["date"] == "2026-11-22"


def test_news_detail_has_its_body(client, commune):
    page = _news(commune, "Collecte des sapins", 2)
    response = client.get(f"/api/cms/v2/pages/{page.pk}/", HTTP_HOST="saint-malo.localhost")
    assert response.status_code == 200
    assert "Collecte des sapins" in response.json()["body"]


def test_unpublished_news_is_not_exposed(client, commune):
    page = _news(commune, "Brouillon", 3)
    page.unpublish()
    response = client.get(
        "/api/cms/v2/pages/", {"type": "communes.NewsPage"}, HTTP_HOST="saint-malo.localhost"
    )
    assert response.json()["items"] == []
