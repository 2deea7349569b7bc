"""Demo data of conversations: comments on the demo news, one answered by the town hall.

Called by ``manage.py load_demo`` for each commune, once its residents are validated and
its news published. Idempotent: a commune that has comments already is left as it is.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from communes.models import NewsPage
from conversations.models import Comment
from conversations.selectors import news_of_commune
from conversations.services import comment_create

THREADS = (
    (
        "Merci pour l’information ! Est-ce que le marché du samedi est maintenu ?",
        "Bonne question, je me demandais la même chose.",
        "Oui, le marché est maintenu : il s’installe sur le parking de la salle des fêtes.",
    ),
    ("Très bonne initiative, bravo à l’équipe municipale.", None, None),
)


def load(commune, staff, residents) -> None:
    # Gazette comments are comments of the commune too (loaded before): look at the news'.
    on_news = Comment.objects.filter(
        commune=commune, target_type=ContentType.objects.get_for_model(NewsPage)
    )
    if len(residents) < 2 or on_news.exists():
        return
    news: list[NewsPage] = list(news_of_commune(commune).order_by("-date", "-pk")[: len(THREADS)])
    for index, (page, (question, echo, answer)) in enumerate(zip(news, THREADS, strict=False)):
        author = residents[index % len(residents)]
        top = comment_create(target=page, commune=commune, author=author, body=question)
        if echo:
            neighbour = residents[(index + 1) % len(residents)]
            comment_create(target=page, commune=commune, author=neighbour, body=echo, parent=top)
        if answer:
            comment_create(
                target=page,
                commune=commune,
                author=staff,
                body=answer,
                parent=top,
                as_town_hall=True,
            )
