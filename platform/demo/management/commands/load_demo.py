"""Load the demo: a hosting partner, a French and an Ivorian commune, staff, residents,
news, and each installed module's own demo data. Idempotent: run it as often as you like."""

from __future__ import annotations

import base64
import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from wagtail.models import Page, Site

from communes import demo as communes_demo
from communes.models import (
    Commune,
    CommunePage,
    Follow,
    HostingPartner,
    NewsPage,
    Plan,
    PortalPage,
    StaffRole,
)
from communes.services import (
    CommuneIdentity,
    commune_create,
    follow_decide,
    follow_request,
    staff_role_grant,
)
from communes.signals import on_page_published
from communities import demo as communities_demo
from conversations import demo as conversations_demo
from core.modules import registry
from gazette import demo as gazette_demo
from messaging import demo as messaging_demo
from moderation import demo as moderation_demo
from moderation.support import demo as support_demo

DEMO_PASSWORD = "voisinage-demo"  # noqa: S105  (printed on purpose: demo only)
DEMO_PORT = 8000
# Staff accounts need a second factor (accounts.mfa). The demo's staff share this
# fixed TOTP secret (base32; demo only, printed on purpose) so that anyone trying
# the demo can log in to the admin: add it to an authenticator app, or print the
# current code with DEMO_TOTP_COMMAND.
DEMO_TOTP_SECRET = "VOISINAGEDEMO2FAVOISINAGEDEMO2FA"  # noqa: S105
DEMO_TOTP_COMMAND = (
    '.venv/bin/python -c "import base64; from django_otp.oath import TOTP; '
    f"print('%06d' % TOTP(base64.b32decode('{DEMO_TOTP_SECRET}')).token())\""
)

COMMUNES = [
    {
        "identity": CommuneIdentity(
            name="Saint-Malo",
            slug="saint-malo",
            country="FR",
            official_code="35288",
            postal_codes="35400",
            time_zone="Europe/Paris",
            population=46803,
            contact_email="contact@saint-malo.localhost",
            contact_phone="+33299406060",
            contact_address="Place Chateaubriand\n35400 Saint-Malo",
            opening_hours="Du lundi au vendredi, 8 h 30 – 12 h et 13 h 30 – 17 h",
            theme="default",
        ),
        "hostname": "saint-malo.localhost",
        "plan": "Ville",
        "staff": ("mairie@saint-malo.localhost", "Anne", "Le Goff"),
        # The town hall's technical services (roads, lighting…): the technical role.
        "technical": ("services.techniques@saint-malo.localhost", "Loïc", "Le Bihan"),
        "residents": [
            # A mobile that accepts SMS: alert SMS show on the worker's console (ALR-3, ALR-5).
            ("marie.durand@exemple.localhost", "Marie", "Durand", "+33611223344"),
            ("yann.morvan@exemple.localhost", "Yann", "Morvan"),
        ],
        "news": [
            (
                "Travaux sur la digue du Sillon",
                "Fermeture partielle de la promenade du 2 au "
                "13 décembre pour consolider les brise-lames.",
                "<p>Les services techniques renforcent les brise-lames entre la cale de "
                "Rochebonne et la plage du Sillon. Les piétons passent par la chaussée du "
                "Sillon, signalée par des panneaux jaunes.</p><p>Les travaux ont lieu de 8 h "
                "à 17 h, hors week-end. Les accès à la plage restent ouverts à marée basse.</p>",
                2,
            ),
            (
                "Marché de Noël intra-muros",
                "Du 12 au 24 décembre, place Chateaubriand : "
                "artisans, chorales et manège pour les enfants.",
                "<p>Une quarantaine de chalets accueillent les artisans de la région, du "
                "mardi au dimanche de 11 h à 20 h. Les chorales des écoles chantent chaque "
                "samedi à 17 h devant la cathédrale.</p><p>Le manège est gratuit pour les "
                "enfants le mercredi après-midi.</p>",
                6,
            ),
            (
                "Collecte des sapins",
                "Déposez votre sapin dans l'un des 14 points de collecte jusqu'au 20 janvier.",
                "<p>Retirez les décorations, les guirlandes et le pied avant de le déposer. "
                "Les sapins floqués ou en pot ne sont pas acceptés.</p><p>Les sapins "
                "collectés sont broyés et le paillage est offert aux habitants à la "
                "déchetterie.</p>",
                10,
            ),
        ],
    },
    {
        "identity": CommuneIdentity(
            name="Cocody",
            slug="cocody",
            country="CI",
            official_code="CI-AB-03",
            postal_codes="",
            time_zone="Africa/Abidjan",
            population=692583,
            contact_email="contact@cocody.localhost",
            contact_phone="+2252722441010",
            contact_address="Boulevard de France\nAbidjan, Cocody",
            opening_hours="Du lundi au vendredi, 7 h 30 – 16 h 30",
            theme="bocage",
        ),
        "hostname": "cocody.localhost",
        "plan": "Grande commune (Côte d'Ivoire)",
        "staff": ("mairie@cocody.localhost", "Aya", "Koffi"),
        "technical": ("services.techniques@cocody.localhost", "Koffi", "N'Guessan"),
        "residents": [
            ("kouadio.yao@exemple.localhost", "Kouadio", "Yao", "+2250709000001"),
            ("awa.traore@exemple.localhost", "Awa", "Traoré"),
        ],
        "news": [
            (
                "Opération quartiers propres",
                "Samedi, grand nettoyage à la Riviera 3 : rendez-vous "
                "à 7 h devant le centre culturel.",
                "<p>Gants, sacs et râteaux sont fournis par la mairie. Les équipes se "
                "répartissent les rues du quartier, puis un petit-déjeuner est offert aux "
                "participants à 11 h.</p><p>Les associations et les écoles peuvent inscrire "
                "une équipe auprès du service de l'environnement.</p>",
                1,
            ),
            (
                "Campagne de vaccination",
                "Vaccination gratuite des enfants de 0 à 5 ans au centre "
                "de santé d'Angré, du lundi au mercredi.",
                "<p>Apportez le carnet de santé de l'enfant. Les équipes vaccinent de 8 h à "
                "15 h, sans rendez-vous.</p><p>Une équipe mobile passe dans les écoles "
                "maternelles de la commune la semaine suivante.</p>",
                5,
            ),
        ],
    },
]

PLANS = [
    ("Village", 0, 3499, "yearly", 240, "EUR"),
    ("Ville", 3500, 49999, "yearly", 1200, "EUR"),
    ("Grande ville", 50000, None, "yearly", 4800, "EUR"),
    ("Grande commune (Côte d'Ivoire)", 50000, None, "yearly", 1500000, "XOF"),
]


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = self.load()
        self.print_summary(people)

    # --- people -----------------------------------------------------------

    def person(self, email, first_name, last_name, **extra):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email_verified_at": timezone.now(),
                **extra,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    @staticmethod
    def mobile(number: str = "") -> dict:
        return {"mobile": number, "accepts_sms": True} if number else {}

    def load(self):
        admin = self.person(
            "admin@voisinage.localhost", "Camille", "Admin", is_staff=True, is_superuser=True
        )
        partner_staff = self.person("hebergeur@voisinage.localhost", "Paul", "Hébergeur")
        partner, _ = HostingPartner.objects.get_or_create(
            slug="territoires-numeriques",
            defaults={"name": "Territoires numériques", "contact_email": "contact@tn.localhost"},
        )
        partner.staff.add(partner_staff)
        partners_group, _ = Group.objects.get_or_create(name="Hébergeurs")
        partners_group.permissions.add(Permission.objects.get(codename="access_admin"))
        partner_staff.groups.add(partners_group)

        plans = {}
        for name, low, high, period, price, currency in PLANS:
            plans[name], _ = Plan.objects.get_or_create(
                hosting_partner=partner,
                name=name,
                defaults={
                    "min_population": low,
                    "max_population": high,
                    "period": period,
                    "price": price,
                    "currency": currency,
                },
            )

        self.load_portal()
        people = {"admin": admin, "partner": partner_staff, "communes": []}
        for spec in COMMUNES:
            identity = spec["identity"]
            commune = Commune.objects.filter(slug=identity.slug).first()
            if commune is None:
                commune = commune_create(
                    by=admin,
                    partner=partner,
                    identity=identity,
                    hostname=spec["hostname"],
                    port=DEMO_PORT,
                    plan=plans[spec["plan"]],
                )
            communes_demo.load(commune, admin)  # its territory (COM-5)
            staff = self.person(*spec["staff"])
            staff.groups.add(commune.editors_group)
            if not StaffRole.objects.filter(commune=commune, user=staff).exists():
                staff_role_grant(commune=commune, user=staff, role=StaffRole.Role.MAYOR, by=admin)
            technical = self.person(*spec["technical"])
            if not StaffRole.objects.filter(commune=commune, user=technical).exists():
                staff_role_grant(
                    commune=commune, user=technical, role=StaffRole.Role.TECHNICAL, by=admin
                )
            # The police of a partner town hall reads its communities' alerts (COM-2).
            police = communes_demo.load_police(commune, self.person, admin)
            if police is not None:
                people.setdefault("police", []).append(police)
            residents = [
                self.person(*resident[:3], **self.mobile(*resident[3:]))
                for resident in spec["residents"]
            ]
            for resident in residents:  # validated residents of the commune (ACC-10)
                follow, _ = follow_request(user=resident, commune=commune)
                if follow.status == Follow.Status.PENDING:
                    follow_decide(follow=follow, by=admin, accept=True)
            self.load_news(commune, spec["news"])
            # Neighbourhood communities with members and référents (CTY).
            communities_demo.load(commune, self.person, admin)
            # A gazette with photos in each demo community (CNT-2).
            gazette_demo.load(commune)
            # Comments on the news, one answered by the town hall (CNT-1).
            conversations_demo.load(commune, staff, residents)
            notes: list[str] = []
            for module in registry:
                if module.demo_data:
                    # A module may return lines for the summary (an Open311 demo key).
                    notes.extend(import_string(module.demo_data)(commune, residents) or ())
            # Private messages between neighbours, twinned members, a resident and the
            # town hall (CNT-3): after the modules, so that twinnings exist.
            messaging_demo.load(commune, staff, residents)
            # Reports waiting for the moderators, one hidden by reports, an appeal
            # (CNT-5), and requests to the platform's team (CNT-7).
            moderation_demo.load(commune, staff, residents)
            support_demo.load(commune, admin, residents)
            people["communes"].append((commune, staff, residents))
            people.setdefault("technical", []).append(technical)
            people.setdefault("notes", {})[commune.pk] = notes
        for user in [
            admin,
            partner_staff,
            *(staff for _, staff, _ in people["communes"]),
            *people.get("technical", []),
            *people.get("police", []),
        ]:
            self.demo_second_factor(user)
        return people

    def demo_second_factor(self, user):
        """A confirmed authenticator app with the demo secret, unless the person has one."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(
                user=user,
                name="Demo authenticator",
                key=base64.b32decode(DEMO_TOTP_SECRET).hex(),
                confirmed=True,
            )

    def load_portal(self):
        portal = PortalPage.objects.first()
        if portal is None:
            portal = PortalPage(
                title="Voisinage",
                slug="portail",
                intro="<p>La plateforme des communes et de leurs quartiers : actualités de la "
                "mairie, annonces entre habitants, communautés de voisins.</p>",
            )
            Page.get_first_root_node().add_child(instance=portal)
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=DEMO_PORT,
                root_page=portal,
                is_default_site=True,
                site_name="Voisinage",
            )
        elif site.root_page_id != portal.pk:
            old_root = site.root_page
            site.root_page = portal
            site.hostname, site.port, site.site_name = "localhost", DEMO_PORT, "Voisinage"
            site.save()
            # Wagtail's "Welcome" page, left by its first migration.
            if old_root.depth == 2 and old_root.specific_class is Page:
                old_root.delete()

    def load_news(self, commune, news):
        home = CommunePage.objects.get(pk=commune.site.root_page_id)
        today = timezone.localdate()
        for title, summary, body, days_ago in news:
            page = NewsPage.objects.child_of(home).filter(title=title).first()
            if page is None:
                page = NewsPage(
                    title=title,
                    intro=summary,
                    body=body,
                    date=today - datetime.timedelta(days=days_ago),
                )
                home.add_child(instance=page)
            # What publishing it in the admin does: a notice in the residents' centre
            # (once per page, whatever the number of runs).
            on_page_published(sender=NewsPage, instance=page)

    def print_summary(self, people):
        write = self.stdout.write
        port = DEMO_PORT
        write(self.style.SUCCESS("Demo data loaded."))
        write(f"\nPassword of every demo account: {DEMO_PASSWORD}\n")
        write(f"Platform home:   http://localhost:{port}/")
        write(f"Wagtail admin:   http://localhost:{port}/admin/")
        write(f"API docs:        http://localhost:{port}/api/v1/docs/")
        write(f"  admin (superuser):        {people['admin'].email}")
        write(f"  hosting partner staff:    {people['partner'].email}")
        for commune, staff, residents in people["communes"]:
            write(
                f"\n{commune.name}: http://{commune.hostname}:{port}/"
                f"  (admin: http://{commune.hostname}:{port}/admin/)"
            )
            write(f"  town-hall staff:          {staff.email}")
            technical = StaffRole.objects.filter(
                commune=commune, role=StaffRole.Role.TECHNICAL
            ).first()
            if technical is not None:
                write(f"  technical services:       {technical.user.email}")
            police = StaffRole.objects.filter(commune=commune, role=StaffRole.Role.POLICE).first()
            if police is not None:
                write(
                    f"  police (communities' alerts, read only): {police.user.email}"
                    f"  (admin: http://{commune.hostname}:{port}/admin/alerts/)"
                )
            for resident in residents:
                sms = f" (alert SMS to {resident.mobile})" if resident.mobile else ""
                write(f"  resident:                 {resident.email}{sms}")
            for community in commune.communities.order_by("name"):
                referent = community.memberships.filter(is_referent=True).first()
                write(
                    f"  community:                {community.name}"
                    + (f" (référent: {referent.user.email})" if referent else "")
                )
            site = f"http://{commune.hostname}:{port}"
            write(f"  conversations (as a resident): {site}/gazette/ (your community's gazette),")
            write(f"    {site}/messages/, {site}/groupes/;")
            write(f"  the town hall's inbox:    {site}/admin/messagerie/")
            write(f"  moderation (staff):       {site}/admin/moderation/ (reports to decide)")
            write(f"  reports (as a resident):  {site}/mes-signalements/, {site}/contact/")
            for note in people.get("notes", {}).get(commune.pk, ()):
                write(f"  {note}")
        write(
            "\nTwo-factor authentication: staff accounts (admin, hosting partner, town-hall "
            "staff, police) give a 6-digit code after their password."
        )
        write(f"  demo TOTP secret (same for every demo staff account): {DEMO_TOTP_SECRET}")
        write("  add it to an authenticator app (time-based, 6 digits), or print the code with:")
        write(f"  {DEMO_TOTP_COMMAND}")
        write("  a code works once: to log in again within 30 seconds, wait for the next one.")
        write(f"\nDatabase: {settings.DATABASES['default']['NAME']}")
