"""Demo polls for ``manage.py load_demo`` (POL-1, POL-2): idempotent, one set per commune.

* an open poll a few residents already answered (all but the first, so the first demo
  resident still finds it pinned on the home page); fewer than ``POLL_TALLY_BATCH``
  votes, so it shows "Résultats après 10 votes ou à la clôture" until more come;
* a closed poll every resident answered, counted (``ballots.tally`` at closing): its
  results show bars;
* an upcoming poll, seen by the town hall's staff only.

Votes go through ``ballots.vote``, so they are sealed and anonymous like real ones. The
author is the commune's staff member who publishes (a town-hall role).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from communes.roles import PUBLISH_CONTENT
from communes.selectors import holders_of_permission
from modules.polls.ballots import tally, vote
from modules.polls.models import Poll
from modules.polls.services import poll_create

DAY = datetime.timedelta(days=1)

POLLS = {
    "FR": {
        "open": (
            "Faut-il rendre la rue de la Soif piétonne le samedi ?",
            "Un essai de trois mois est envisagé à partir du printemps.",
            ["Oui", "Non", "Seulement l'été"],
        ),
        "closed": (
            "Quel nom pour la nouvelle médiathèque ?",
            "Trois noms proposés par le conseil municipal des jeunes.",
            ["Jules Verne", "Robert Surcouf", "Chateaubriand"],
        ),
        "upcoming": (
            "Quels horaires pour la piscine municipale cet été ?",
            "",
            ["9 h – 19 h", "10 h – 20 h", "12 h – 21 h"],
        ),
    },
    "CI": {
        "open": (
            "Faut-il organiser une journée de salubrité chaque mois ?",
            "La mairie fournirait les sacs et enlèverait les déchets.",
            ["Oui, chaque mois", "Tous les deux mois", "Non"],
        ),
        "closed": (
            "Où installer le prochain point d'eau ?",
            "",
            ["Marché de Cocody", "École des Jardins", "Gare routière"],
        ),
        "upcoming": (
            "Quel jour pour le marché du soir ?",
            "",
            ["Vendredi", "Samedi"],
        ),
    },
}


def load(commune, people) -> None:
    staff = holders_of_permission(commune, PUBLISH_CONTENT).order_by("pk").first()
    if staff is None or Poll.objects.filter(commune=commune).exists():
        return
    texts = POLLS.get(commune.country, POLLS["FR"])
    now = timezone.now()

    question, description, choices = texts["closed"]
    closed = poll_create(
        commune=commune,
        by=staff,
        question=question,
        description=description,
        choices=choices,
        opens_at=now - 20 * DAY,
        closes_at=now + DAY,
    )
    ids = list(closed.choices.order_by("position").values_list("pk", flat=True))
    for index, person in enumerate(people):
        vote(poll=closed, user=person, choice_id=ids[index % 2 if index % 3 else 0])
    # It closed as planned two days ago (no early closing), then the closing tally.
    Poll.objects.filter(pk=closed.pk).update(
        closes_at=now - 2 * DAY, opening_notified_at=now - 20 * DAY
    )
    tally(closed.pk, closing=True)

    question, description, choices = texts["open"]
    open_poll = poll_create(
        commune=commune,
        by=staff,
        question=question,
        description=description,
        choices=choices,
        opens_at=now - DAY,
        closes_at=now + 13 * DAY,
    )
    ids = list(open_poll.choices.order_by("position").values_list("pk", flat=True))
    for index, person in enumerate(people[1:]):
        vote(poll=open_poll, user=person, choice_id=ids[index % len(ids)])

    question, description, choices = texts["upcoming"]
    poll_create(
        commune=commune,
        by=staff,
        question=question,
        description=description,
        choices=choices,
        opens_at=now + 3 * DAY,
        closes_at=now + 17 * DAY,
    )
