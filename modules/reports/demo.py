"""Demo reports of problems for ``manage.py load_demo``: per commune, idempotent (REP-1 … 4).

The town hall's technical services and their categories (each routed to a service but
one, which the town hall handles), the commune's technical agent in every service,
reports in every status (photos, public notes, a "me too"), one resolved five weeks ago
whose reporter is asked whether it is really fixed, and an Open311 integrator whose demo
key is printed with the commune's Open311 address. Written through the services, as
residents and staff would (the notifications are real too).
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from communes.models import StaffRole
from modules.reports.models import Category, Integrator, Question, Report, Service
from modules.reports.selectors import town_hall_people
from modules.reports.services import (
    follow,
    report_create,
    service_members_set,
    status_set,
)

# (service, [(category, code, description, question or None)]); service None: the town hall.
Entry = tuple[str, str, str, tuple[str, str] | None]
SERVICES: dict[str, list[tuple[str | None, list[Entry]]]] = {
    "FR": [
        (
            "Voirie",
            [
                (
                    "Chaussée ou trottoir abîmé",
                    "chaussee",
                    "Nid de poule, pavé descellé, trottoir défoncé.",
                    ("danger", "Est-ce dangereux pour les piétons ou les cyclistes ?"),
                ),
                ("Signalisation", "signalisation", "Panneau tombé, marquage effacé.", None),
            ],
        ),
        (
            "Éclairage public",
            [("Lampadaire en panne", "eclairage", "Un lampadaire éteint ou qui clignote.", None)],
        ),
        (
            "Propreté",
            [
                ("Dépôt sauvage", "depot-sauvage", "Déchets ou encombrants abandonnés.", None),
                ("Tag ou affichage sauvage", "tag", "Sur un mur, un abri, du mobilier.", None),
            ],
        ),
        (
            "Espaces verts",
            [("Arbre ou branche", "arbre", "Branche tombée, arbre dangereux.", None)],
        ),
        (None, [("Autre problème", "autre", "Ce qui n'entre dans aucune catégorie.", None)]),
    ],
    "CI": [
        (
            "Voirie et assainissement",
            [
                (
                    "Route dégradée",
                    "route",
                    "Nid de poule, chaussée effondrée.",
                    ("danger", "Est-ce dangereux pour les piétons ou les motos ?"),
                ),
                ("Caniveau bouché", "caniveau", "Caniveau ou regard obstrué.", None),
            ],
        ),
        (
            "Éclairage public",
            [("Lampadaire en panne", "eclairage", "Un lampadaire éteint.", None)],
        ),
        (
            "Salubrité",
            [("Dépôt d'ordures", "ordures", "Ordures abandonnées hors des bacs.", None)],
        ),
        (None, [("Autre problème", "autre", "Ce qui n'entre dans aucune catégorie.", None)]),
    ],
}

# (category code, title, description, (lat, lon), address, status, note, days ago, photo)
REPORTS = {
    "FR": [
        (
            "chaussee",
            "Nid de poule devant l'école Jean-Macé",
            "Un trou d'une vingtaine de centimètres sur la chaussée, juste devant le passage "
            "piéton de l'école. Les vélos font un écart.",
            (48.6412, -2.0060),
            "Rue de Dinan, Saint-Malo",
            "in_progress",
            "L'équipe de voirie intervient jeudi matin ; la rue sera fermée une heure.",
            6,
            (120, 110, 100),
        ),
        (
            "eclairage",
            "Lampadaire éteint rue de la Pie",
            "Le lampadaire à l'angle de la rue de la Pie est éteint depuis une semaine : la "
            "rue est très sombre le soir.",
            (48.6488, -2.0236),
            "Rue de la Pie, Saint-Malo",
            "acknowledged",
            "Signalement transmis à notre prestataire d'éclairage.",
            3,
            None,
        ),
        (
            "depot-sauvage",
            "Encombrants au pied des remparts",
            "Un matelas et deux chaises abandonnés au pied des remparts, porte Saint-Vincent.",
            (48.6497, -2.0251),
            "Porte Saint-Vincent, Saint-Malo",
            "new",
            "",
            1,
            (90, 120, 90),
        ),
        (
            "tag",
            "Tags sur l'abri de bus du Sillon",
            "L'abri de bus de la chaussée du Sillon est couvert de tags.",
            (48.6580, -2.0100),
            "Chaussée du Sillon, Saint-Malo",
            "resolved",
            "L'abri a été nettoyé par le service propreté.",
            40,
            None,
        ),
        (
            "arbre",
            "Branche tombée parc de la Briantais",
            "Une grosse branche barre l'allée principale du parc après la tempête.",
            (48.6230, -2.0190),
            "Parc de la Briantais, Saint-Malo",
            "rejected",
            "Le parc de la Briantais est entretenu par le département : nous lui avons "
            "transmis votre signalement.",
            12,
            None,
        ),
    ],
    "CI": [
        (
            "route",
            "Chaussée effondrée boulevard Latrille",
            "La chaussée s'est effondrée sur un mètre après les pluies, près du carrefour.",
            (5.3640, -3.9953),
            "Boulevard Latrille, Cocody",
            "in_progress",
            "Les travaux de réfection commencent lundi.",
            5,
            (130, 100, 80),
        ),
        (
            "caniveau",
            "Caniveau bouché aux Deux Plateaux",
            "Le caniveau déborde à chaque pluie, l'eau envahit la rue.",
            (5.3700, -3.9900),
            "Rue des Jardins, Deux Plateaux, Cocody",
            "new",
            "",
            2,
            None,
        ),
        (
            "eclairage",
            "Lampadaires éteints à la Riviera",
            "Trois lampadaires de suite sont éteints le long de la route de la Riviera.",
            (5.3450, -3.9700),
            "Riviera, Cocody",
            "resolved",
            "Les lampes ont été remplacées.",
            35,
            None,
        ),
    ],
}

DEMO_KEY = "o311_demo_{slug}"  # printed on purpose: demo only


def _photo(colour: tuple[int, int, int]) -> SimpleUploadedFile:
    """A plain picture standing for a resident's photo (no real place, no person)."""
    image = Image.new("RGB", (960, 720), colour)
    draw = ImageDraw.Draw(image)
    for step in range(0, 960, 80):
        draw.line([(step, 720), (step + 240, 0)], fill=tuple(c + 40 for c in colour), width=18)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=80)
    return SimpleUploadedFile("photo.jpg", output.getvalue(), content_type="image/jpeg")


def _categories(commune, technical: list, staff) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    position = 0
    for service_name, entries in SERVICES.get(commune.country, SERVICES["FR"]):
        service = None
        if service_name is not None:
            service, _ = Service.objects.get_or_create(commune=commune, name=service_name)
            if technical and staff is not None:
                service_members_set(service=service, members=technical, by=staff)
        for name, code, description, question in entries:
            position += 1
            category = Category.objects.filter(commune=commune, code=code).first()
            if category is None:
                category = Category(
                    commune=commune,
                    name=name,
                    code=code,
                    description=description,
                    service=service,
                    position=position,
                )
                if question is not None:
                    category.questions = [
                        Question(
                            code=question[0],
                            label=question[1],
                            datatype=Question.Datatype.SINGLE,
                            required=True,
                            choices_text="Oui\nNon",
                        )
                    ]
                category.save()
            categories[code] = category
    return categories


def _integrator(commune) -> str:
    key = DEMO_KEY.format(slug=commune.slug)
    digest = hashlib.sha256(key.encode()).hexdigest()
    Integrator.objects.get_or_create(
        key_digest=digest,
        defaults={
            "commune": commune,
            "name": "Démo Open311",
            "key_prefix": key[:10],
            "contact_email": "open311@voisinage.localhost",
        },
    )
    return key


def load(commune, residents) -> list[str]:
    technical = [
        role.user
        for role in StaffRole.objects.filter(
            commune=commune, role=StaffRole.Role.TECHNICAL
        ).select_related("user")
    ]
    staff = town_hall_people(commune).first()
    categories = _categories(commune, technical, staff)
    if residents and not Report.objects.filter(commune=commune).exists():
        now = timezone.now()
        for index, entry in enumerate(REPORTS.get(commune.country, REPORTS["FR"])):
            code, title, text, (lat, lon), address, status, note, days, colour = entry
            category = categories[code]
            answers = {question.code: "non" for question in category.questions.all()}
            report = report_create(
                commune=commune,
                author=residents[index % len(residents)],
                category=category,
                title=title,
                description=text,
                address=address,
                latitude=lat,
                longitude=lon,
                photos=[_photo(colour)] if colour else [],
                answers=answers,
                now=now - timedelta(days=days),
            )
            agent = technical[0] if technical and category.service_id else staff
            if status != "new" and agent is not None:
                if status in ("in_progress", "resolved"):
                    status_set(
                        report=report,
                        by=agent,
                        status="acknowledged",
                        note="",
                        now=now - timedelta(days=days, hours=-4),
                    )
                status_set(
                    report=report,
                    by=agent,
                    status=status,
                    note=note,
                    now=now
                    - timedelta(days=max(days - 2, 0) if status == "resolved" else days)
                    + timedelta(hours=20),
                )
            # A neighbour says "me too" on the first one.
            if index == 0 and len(residents) > 1:
                follow(user=residents[1], report=report)
    host = commune.site.hostname if commune.site_id else commune.hostname
    port = commune.site.port if commune.site_id else 80
    base = f"http://{host}:{port}" if port not in (80, 443) else f"http://{host}"
    return [
        f"problem reports:          {base}/problemes/ (residents), {base}/admin/reports/ (staff)",
        f"Open311 (GeoReport v2):   {base}/open311/v2/discovery.json"
        f"  api_key={_integrator(commune)}",
    ]
