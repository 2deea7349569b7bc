"""Demo data of the support desk (CNT-7), through the services:

* a référent asks for a rural community larger than 1 km² (new: its context shows the
  community's area and the limit);
* a resident's account question, answered by the platform's admin (the answer waits in
  the resident's notification centre and on "Mes demandes à l'équipe");
* a visitor without an account whose commune is missing (new, answered by e-mail).

Called by ``manage.py load_demo`` for each commune (``moderation.support.demo.load(commune,
admin, residents)``, ``admin`` being platform staff). Idempotent: a commune that has
support requests already is left as it is.
"""

from __future__ import annotations

from communities.models import Membership
from moderation.models import SupportRequest
from moderation.support import services


def load(commune, admin, residents) -> None:
    if SupportRequest.objects.filter(commune=commune).exists():
        return
    referent = (
        Membership.objects.referents()
        .filter(community__commune=commune)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if referent is not None:
        services.request_create(
            user=referent.user,
            commune=commune,
            topic=SupportRequest.Topic.AREA_CAP,
            subject="Notre hameau dépasse 1 km²",
            body=(
                "Nos maisons sont dispersées le long de la route de la Rance : pouvez-vous "
                "lever la limite de surface de notre communauté ?"
            ),
        )
    if residents:
        question = services.request_create(
            user=residents[0],
            commune=commune,
            topic=SupportRequest.Topic.ACCOUNT,
            subject="Je ne reçois plus les e-mails",
            body="Depuis une semaine, je ne reçois plus les notifications par e-mail.",
        )
        services.answer(
            by=admin,
            request=question,
            body=(
                "Bonjour, votre adresse avait refusé nos messages. Vérifiez vos indésirables, "
                "puis changez-la si besoin dans « Mon profil » : l'envoi reprendra."
            ),
        )
    services.request_create(
        user=None,
        commune=commune,
        topic=SupportRequest.Topic.MISSING_COMMUNE,
        subject="Ma commune n'est pas sur la plateforme",
        body=f"J'habite près de {commune.name}, à Pleurtuit (35730) : pouvez-vous l'ajouter ?",
        name="Jeanne Visiteuse",
        email=f"jeanne.visiteuse@{commune.slug}.localhost",
    )
