"""Demo data of moderation (CNT-5): a few reports on the demo content, through the services.

* a gazette post reported by one member (a case waiting, nothing hidden);
* a rude news comment reported by three validated residents: hidden pending review
  (auto-hide), its author told;
* an advertising news comment hidden by the town hall with a note, which its author
  contested: the appeal waits for another moderator (the platform's admin, or another
  member of the town hall).

Called by ``manage.py load_demo`` for each commune, after the gazette and the comments
(``moderation.demo.load(commune, staff, residents)``). Idempotent: a commune that has
moderation cases already is left as it is. Steps whose content is missing (a commune
without a community, too few residents) are skipped.
"""

from __future__ import annotations

from communes.models import Follow
from communities.models import Membership
from conversations.selectors import news_of_commune
from conversations.services import comment_create
from gazette.models import Post
from moderation import services
from moderation.models import Case, Reason

RUDE = (
    "Encore des travaux inutiles : cette mairie ne sait que gaspiller notre argent, "
    "bande d’incapables."
)
ADVERT = "Pour vos travaux, appelez Rénov’Express au 02 99 00 00 00, devis gratuit !"


def load(commune, staff, residents) -> None:
    if Case.objects.filter(commune=commune).exists():
        return
    _report_a_gazette_post(commune)
    news = news_of_commune(commune).order_by("-date", "-pk").first()
    if news is None or len(residents) < 2:
        return
    rude = comment_create(target=news, commune=commune, author=residents[-1], body=RUDE)
    _auto_hide(commune, rude)
    advert = comment_create(target=news, commune=commune, author=residents[-2], body=ADVERT)
    _decided_and_appealed(commune, staff, advert)


def _validated_residents(commune, *, besides: int):
    people = (
        Follow.objects.filter(commune=commune, status=Follow.Status.VALIDATED)
        .exclude(user_id=besides)
        .select_related("user")
        .order_by("pk")
    )
    return [follow.user for follow in people if follow.user.is_active]


def _report_a_gazette_post(commune) -> None:
    for post in Post.objects.filter(community__commune=commune).order_by("pk"):
        reporter = (
            Membership.objects.members()
            .filter(community_id=post.community_id)
            .exclude(user=post.author)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if reporter is None:
            continue
        services.report(
            reporter=reporter.user,
            kind="gazette.post",
            object_id=post.pk,
            reason=Reason.FALSE_INFORMATION,
            text="La date annoncée n’est pas la bonne, la mairie a reporté l’événement.",
        )
        return


def _auto_hide(commune, comment) -> None:
    reporters = _validated_residents(commune, besides=comment.author_id)[:3]
    reasons = (Reason.HARASSMENT, Reason.HARASSMENT, Reason.SPAM)
    texts = ("Propos blessants envers les voisins.", "", "")
    for reporter, reason, text in zip(reporters, reasons, texts, strict=False):
        services.report(
            reporter=reporter,
            kind="conversations.comment",
            object_id=comment.pk,
            reason=reason,
            text=text,
        )


def _decided_and_appealed(commune, staff, comment) -> None:
    reporters = _validated_residents(commune, besides=comment.author_id)
    if not reporters or comment.author is None:
        return
    case = services.report(
        reporter=reporters[-1],
        kind="conversations.comment",
        object_id=comment.pk,
        reason=Reason.OTHER,
        text="Ce commentaire fait de la publicité pour un commerce.",
    ).case
    services.decide(
        by=staff,
        case=case,
        action="hide",
        note="Les commentaires des actualités ne sont pas un espace publicitaire.",
    )
    services.appeal(
        author=comment.author,
        case=case,
        text="Je ne faisais que féliciter l’équipe, sans aucune publicité.",
    )
