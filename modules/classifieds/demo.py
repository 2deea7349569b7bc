"""Demo classifieds for ``manage.py load_demo`` (idempotent: one set per commune)."""

from modules.classifieds.models import Classified
from modules.classifieds.services import classified_create

ADS = {
    "FR": [
        (
            "offer",
            "Aide aux courses le samedi matin",
            "Je vais au marché de Rocabey chaque samedi : je peux rapporter vos courses.",
            "Sonnez au 12 rue de la Pie, ou écrivez-moi sur le site.",
            20,
        ),
        (
            "request",
            "Cherche quelqu'un pour tailler une haie",
            "Une haie de 15 mètres à tailler avant l'hiver, outils fournis.",
            "Téléphone : 06 12 34 56 78 (le soir).",
            30,
        ),
    ],
    "CI": [
        (
            "offer",
            "Cours de mathématiques niveau collège",
            "Étudiante en licence, je donne des cours de soutien à la Riviera, le mercredi.",
            "Appelez le 07 07 12 34 56.",
            30,
        ),
        (
            "request",
            "Covoiturage vers le Plateau en semaine",
            "Je cherche un covoiturage Angré – Plateau, départ 7 h, retour 17 h 30.",
            "Écrivez-moi sur le site.",
            14,
        ),
    ],
}


def load(commune, residents) -> None:
    if not residents or Classified.objects.filter(commune=commune).exists():
        return
    for index, (kind, title, description, contact, days) in enumerate(ADS[commune.country]):
        classified_create(
            commune=commune,
            author=residents[index % len(residents)],
            kind=kind,
            title=title,
            description=description,
            contact=contact,
            days=days,
        )
