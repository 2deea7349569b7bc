"""Demo alerts for ``manage.py load_demo`` (idempotent: one set per commune).

The town hall's mayor sends a weather alert (residents see the red banner), and a
member of the commune's first community alerts it, then corrects the alert.
"""

from communes.models import StaffRole
from communities.models import Membership
from modules.alerts.models import Alert
from modules.alerts.services import send_community_alert, send_town_hall_alert

TEXTS = {
    "FR": (
        "Vigilance orange vents violents cette nuit : rentrez les objets de vos balcons "
        "et évitez les abords du Sillon.",
        "Un homme se présentant comme agent des eaux sonne aux portes de la rue de la Pie "
        "et demande à entrer. Ne lui ouvrez pas.",
        "Précision : la mairie confirme qu'aucun agent des eaux n'est en tournée cette "
        "semaine. Appelez le 17 si vous le voyez.",
    ),
    "CI": (
        "Fortes pluies annoncées ce soir : évitez les zones inondables de la Riviera et "
        "ne traversez pas les caniveaux en crue.",
        "Deux motos sans plaque tournent depuis une heure autour du carrefour de la "
        "pharmacie. Restez vigilants.",
        "Mise à jour : la police est passée, les motos sont parties.",
    ),
}


def load(commune, residents) -> None:
    if Alert.objects.filter(commune=commune).exists():
        return
    town_hall, first, correction = TEXTS.get(commune.country, TEXTS["FR"])
    mayor = (
        StaffRole.objects.filter(commune=commune, role=StaffRole.Role.MAYOR)
        .select_related("user")
        .first()
    )
    if mayor is not None:
        send_town_hall_alert(
            by=mayor.user, commune=commune, category=Alert.Category.WEATHER, text=town_hall
        )
    member = (
        Membership.objects.members()
        .filter(community__commune=commune, is_referent=False)
        .select_related("user")
        .order_by("community__pk", "pk")
        .first()
    )
    if member is not None:
        alert = send_community_alert(author=member.user, text=first)
        send_community_alert(author=member.user, text=correction, corrects=alert)
