"""Demo group for ``manage.py load_demo``: one per commune, idempotent (CNT-4).

The author is the commune's staff member who publishes (found through communes' roles);
a resident posts, a neighbour answers, the town hall answers as the town hall.
"""

from __future__ import annotations

from modules.groups.models import Group
from modules.groups.selectors import group_managers
from modules.groups.services import group_create, group_join, post_create

GROUPS = {
    "FR": (
        "Jardins partagés",
        "Pour organiser les parcelles du jardin de Rocabey : arrosage, graines, outils.",
        "Qui peut arroser ma parcelle du 10 au 20 juillet ?",
        "Je passe tous les soirs, je m'en occupe.",
        "La mairie installe un second récupérateur d'eau la semaine prochaine.",
    ),
    "CI": (
        "Propreté du quartier",
        "Pour organiser les journées de salubrité à Cocody avec la mairie.",
        "On nettoie les caniveaux de la rue des Jardins samedi à 7 h ?",
        "J'apporte des pelles et des gants.",
        "La mairie fournit les sacs et enlève les déchets samedi à 11 h.",
    ),
}


def load(commune, residents) -> None:
    staff = group_managers(commune).order_by("pk").first()
    if staff is None or len(residents) < 2 or Group.objects.filter(commune=commune).exists():
        return
    title, description, question, echo, answer = GROUPS.get(commune.country, GROUPS["FR"])
    group = group_create(
        commune=commune, by=staff, title=title, description=description, pinned=True
    )
    for resident in residents[:2]:
        group_join(group=group, user=resident)
    top = post_create(group=group, author=residents[0], body=question)
    post_create(group=group, author=residents[1], body=echo, parent=top)
    post_create(group=group, author=staff, body=answer, parent=top, as_town_hall=True)
