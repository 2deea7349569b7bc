"""The commune's activities in the notification centre (NOT-1).

* ``commune.news``: a news item published for the first time reaches every validated
  follower (rubric "news": daily digest by default). Publishing it again after an
  edit does not notify again (one event per page).
* ``commune.follow_request``: the residents' validators are told of each request (centre,
  push, e-mail counting the requests that wait; ``communes.services.notify_follow_request``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def on_page_published(sender, instance, **kwargs) -> None:
    from django.contrib.auth import get_user_model

    from communes.models import Follow, NewsPage
    from notifications.fanout import publish

    page = instance.specific if hasattr(instance, "specific") else instance
    if not isinstance(page, NewsPage):
        return
    site = page.get_site()
    commune = getattr(site, "commune", None) if site else None
    if commune is None:
        return
    followers = get_user_model().objects.filter(
        pk__in=Follow.objects.validated().filter(commune=commune).values("user_id")
    )
    publish(
        "commune.news",
        audience=followers,
        title=page.title,
        body=page.intro,
        url=_path_on_site(page, site),
        commune=commune,
        dedupe_key=f"commune.news:{page.pk}",
    )


def _path_on_site(page, site) -> str:
    """The page's path on its commune's host ("/actualites/fete/")."""
    root_path = site.root_page.url_path
    if page.url_path.startswith(root_path):
        return "/" + page.url_path[len(root_path) :]
    return page.url_path


def follow_requested(follow, *, pending_count: int) -> None:
    """The validators' event: the centre's row, the push and the e-mail, which counts the
    ``pending_count`` requests that wait (this one among them)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from communes.roles import VALIDATE_RESIDENTS
    from communes.selectors import holders_of_permission
    from notifications.fanout import publish

    commune = follow.commune
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A resident asks to follow %(commune)s") % {"commune": commune.name}
    publish(
        "commune.follow_request",
        audience=holders_of_permission(commune, VALIDATE_RESIDENTS).exclude(pk=follow.user_id),
        title=title,
        url=reverse("residents_to_validate"),
        commune=commune,
        data={"pending_count": pending_count},
        dedupe_key=f"commune.follow_request:{follow.pk}:{follow.created_at.isoformat()}",
    )
