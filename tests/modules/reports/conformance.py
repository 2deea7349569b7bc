"""Objects for the registry-wide conformance test (tests/platform/core)."""

from modules.reports.models import Category, Service
from modules.reports.services import follow, report_create
from tests.modules.reports.helpers import SAINT_MALO, jpeg


def make(world) -> dict:
    """A report of Saint-Malo with a photo, by a validated member, followed by the référent
    (who walks the pages); values for the module's site, API, admin and Open311 routes."""
    service, _ = Service.objects.get_or_create(commune=world.commune, name="Voirie")
    category, _ = Category.objects.get_or_create(
        commune=world.commune, code="chaussee", defaults={"name": "Chaussée", "service": service}
    )
    report = report_create(
        commune=world.commune,
        author=world.member,
        category=category,
        title="Un nid de poule",
        description="Rue de Dinan, devant l'école.",
        latitude=SAINT_MALO[0],
        longitude=SAINT_MALO[1],
        photos=[jpeg()],
    )
    follow(user=world.referent, report=report)
    return {
        "pk": report.pk,
        "problem_id": report.pk,
        "key": report.photos.get().key,
        "code": category.code,
        "token": report.token,
        "format": "json",
    }
