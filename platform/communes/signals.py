"""What happens in a commune, for the apps above it (the notification engine listens).

communes sits below notifications, so it never publishes a notification itself: it
sends these signals where it used to publish, and ``notifications.communes_events``
(connected in ``NotificationsConfig.ready()``) turns each into an event of the engine.

* :data:`news_published`: a news item of the commune was published (every time; the
  listener makes one event per page). Sent from Wagtail's ``page_published``.
* :data:`follow_requested`: a resident asks to follow the commune; sent once the request
  commits, with ``pending_count`` (the requests that wait, this one among them).
* :data:`follow_decided`: the town hall accepted or refused a request; sent once the
  decision commits.
"""

from __future__ import annotations

from django.dispatch import Signal

from communes.models import NewsPage

# sender: NewsPage; page (the specific NewsPage), commune, path (on the commune's host).
news_published = Signal()
# sender: Follow; follow, pending_count.
follow_requested = Signal()
# sender: Follow; follow (its status VALIDATED or REFUSED, with decided_at and reason).
follow_decided = Signal()


def on_page_published(sender, instance, **kwargs) -> None:
    """Wagtail's ``page_published``: a commune's news item becomes :data:`news_published`."""
    page = instance.specific if hasattr(instance, "specific") else instance
    if not isinstance(page, NewsPage):
        return
    site = page.get_site()
    commune = getattr(site, "commune", None) if site else None
    if commune is None:
        return
    news_published.send(sender=NewsPage, page=page, commune=commune, path=_path_on_site(page, site))


def _path_on_site(page, site) -> str:
    """The page's path on its commune's host ("/actualites/fete/")."""
    root_path = site.root_page.url_path
    if page.url_path.startswith(root_path):
        return "/" + page.url_path[len(root_path) :]
    return page.url_path
