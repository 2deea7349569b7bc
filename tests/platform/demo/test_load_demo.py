from io import StringIO

from django.core.management import call_command
from wagtail.models import Site

from communes.models import Commune, NewsPage, PortalPage
from communities.models import Community
from gazette.models import Post, PostPhoto
from messaging.models import Message, Thread
from modules.alerts.models import Alert
from modules.classifieds.models import Classified
from modules.groups.models import Group


def test_load_demo_builds_a_french_and_an_ivorian_commune_and_is_idempotent(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=StringIO())

    communes = {c.slug: c for c in Commune.objects.select_related("site")}
    assert set(communes) == {"saint-malo", "cocody"}
    assert communes["saint-malo"].official_code == "35288"
    assert communes["saint-malo"].country == "FR"
    assert communes["cocody"].country == "CI"
    assert communes["cocody"].time_zone == "Africa/Abidjan"
    assert communes["saint-malo"].site.hostname == "saint-malo.localhost"
    assert NewsPage.objects.count() == 5
    # Each news item's text says more than its summary, which the page shows above it.
    for news in NewsPage.objects.all():
        assert news.intro not in news.body, news.title
        assert news.body.count("<p>") == 2, news.title
    assert PortalPage.objects.count() == 1
    # Issue 16: each community's gazette has three posts, two with a photo; each commune
    # a discussion group; two threads between people and one with the town hall, per
    # commune (run twice: nothing doubles).
    for community in Community.objects.all():
        assert Post.objects.filter(community=community).count() == 3, community.name
        assert PostPhoto.objects.filter(post__community=community).count() == 2
    for commune in Commune.objects.all():
        assert Group.objects.filter(commune=commune).count() == 1
        assert Thread.objects.filter(commune=commune).count() == 1
    assert Thread.objects.filter(commune__isnull=True).count() == 4
    assert Message.objects.count() == 12
    # The news' conversations (one answered by the town hall) besides the gazette's
    # comments, which are comments of the commune too, and moderation's two examples.
    from conversations.models import Comment
    from moderation.models import Case, SupportRequest

    for commune in Commune.objects.all():
        on_news = Comment.objects.filter(commune=commune, target_type__model="newspage")
        assert on_news.filter(as_town_hall=True).count() == 1, commune.slug
        assert on_news.count() == 6, commune.slug  # 3 + 1 of the demo, 2 reported
        assert Case.objects.filter(commune=commune).count() >= 2, commune.slug
        assert SupportRequest.objects.filter(commune=commune).exists(), commune.slug
    assert Classified.objects.filter(commune__slug="cocody").count() == 2
    assert Classified.objects.count() == 4
    # Per commune: a town-hall alert, a community alert and its correction (run twice).
    for slug in ("saint-malo", "cocody"):
        alerts = Alert.objects.filter(commune__slug=slug)
        assert alerts.filter(community__isnull=True).count() == 1
        assert alerts.filter(community__isnull=False, corrects__isnull=True).count() == 1
        assert alerts.filter(corrects__isnull=False).count() == 1
    assert Site.objects.get(is_default_site=True).root_page.specific_class is PortalPage
    printed = out.getvalue()
    assert "http://saint-malo.localhost:8000/" in printed
    assert "mairie@cocody.localhost" in printed
    # One resident per commune receives alert SMS, so the demo's worker shows some.
    from accounts.crypto import blind_index
    from accounts.models import User

    texters = User.objects.filter(accepts_sms=True).exclude(mobile_index="")
    assert {u.email for u in texters} == {
        "marie.durand@exemple.localhost",
        "kouadio.yao@exemple.localhost",
    }
    assert texters.get(email="kouadio.yao@exemple.localhost").mobile_index == blind_index(
        "+2250709000001"
    )
    assert "marie.durand@exemple.localhost (alert SMS to +33611223344)" in printed
