"""Demo suggestions for ``manage.py load_demo``: per commune, idempotent (SUG-1, SUG-2).

The commune's default categories; a proposal waiting for the town hall; a published
suggestion with a vote for and a vote against, each with its comment; one "under study"
with the town hall's note; one refused with its reason. Written through the services, as
residents and staff would (the notifications are real too). The town hall's member is
the commune's staff member who publishes (found through communes' roles).
"""

from __future__ import annotations

from typing import Any

from modules.suggestions.categories import default_categories
from modules.suggestions.models import Suggestion
from modules.suggestions.selectors import suggestion_managers
from modules.suggestions.services import suggestion_propose, vote_cast
from modules.suggestions.staff import status_set, suggestion_accept, suggestion_refuse

# (category position, title, description); then votes, notes, reasons.
SUGGESTIONS: dict[str, dict[str, Any]] = {
    "FR": {
        "waiting": (
            3,
            "Des bancs le long du Sillon",
            "Entre la cale de Rochebonne et le Sillon, il n'y a aucun banc : les personnes "
            "âgées ne peuvent pas faire une pause pendant la promenade.",
        ),
        "published": (
            1,
            "Une zone 30 rue de Dinan",
            "Les voitures roulent vite devant l'école Jean-Macé à l'heure de la sortie des "
            "classes. Une zone 30 et un plateau surélevé calmeraient la circulation.",
        ),
        "for": "Oui ! Je traverse là avec mes enfants tous les matins.",
        "against": "La rue est déjà embouteillée, un plateau ralentirait les bus.",
        "studied": (
            2,
            "Des cendriers sur la plage",
            "Des mégots partout sur la plage du Sillon en été : des cendriers aux accès de "
            "la plage aideraient.",
        ),
        "note": "Les services techniques chiffrent dix cendriers pour l'été prochain.",
        "refused": (
            5,
            "Un concert sur les remparts chaque soir",
            "Un concert gratuit sur les remparts tous les soirs de l'été.",
        ),
        "reason": "Les remparts ne peuvent accueillir de public le soir pour des raisons de "
        "sécurité ; la fête de la musique reste place Chateaubriand.",
    },
    "CI": {
        "waiting": (
            3,
            "Des arbres boulevard Latrille",
            "Planter des arbres le long du boulevard Latrille donnerait de l'ombre aux "
            "piétons qui attendent les gbakas.",
        ),
        "published": (
            1,
            "Un ralentisseur devant le lycée",
            "Les véhicules roulent trop vite devant le lycée de Cocody à la sortie des "
            "cours : un ralentisseur protégerait les élèves.",
        ),
        "for": "Très bonne idée, les élèves traversent sans passage piéton.",
        "against": "Un agent aux heures de sortie suffirait, sans abîmer la route.",
        "studied": (
            2,
            "Des poubelles au marché",
            "Le marché manque de poubelles : les déchets finissent dans les caniveaux.",
        ),
        "note": "La mairie commande vingt bacs ; ils seront posés avant la saison des pluies.",
        "refused": (
            5,
            "Une fête de quartier chaque semaine",
            "Une fête de quartier tous les samedis soir, rue des Jardins.",
        ),
        "reason": "La mairie soutient une fête par trimestre, organisée avec les associations.",
    },
}


def load(commune, residents) -> None:
    staff = suggestion_managers(commune).order_by("pk").first()
    if staff is None or len(residents) < 2 or Suggestion.objects.filter(commune=commune).exists():
        return
    text = SUGGESTIONS.get(commune.country, SUGGESTIONS["FR"])
    by_position = {category.position: category for category in default_categories(commune)}
    first, second = residents[0], residents[1]

    def propose(key, author):
        position, title, description = text[key]
        category = by_position.get(position) or next(iter(by_position.values()))
        return suggestion_propose(
            commune=commune,
            author=author,
            category_id=category.pk,
            title=title,
            description=description,
        )

    propose("waiting", first)

    published = suggestion_accept(suggestion=propose("published", first), by=staff)
    vote_cast(suggestion=published, user=first, in_favour=True, comment=text["for"])
    vote_cast(suggestion=published, user=second, in_favour=False, comment=text["against"])

    studied = suggestion_accept(suggestion=propose("studied", second), by=staff)
    vote_cast(suggestion=studied, user=first, in_favour=True)
    status_set(
        suggestion=studied, by=staff, status=Suggestion.Status.UNDER_STUDY, note=text["note"]
    )

    suggestion_refuse(suggestion=propose("refused", second), by=staff, reason=text["reason"])
