"""The gazette's world: a community of Saint-Malo with its members, and everyone who must
not read its gazette (pending member, resident not member, twinned community's member,
town-hall staff, another community's member, another commune's resident)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.staff import platform_staff_group
from communes.models import StaffRole
from communities import services as community_services
from gazette import services
from modules.twinning import services as twinning_services
from tests.communities import SAINT_MALO, offset, person_at
from tests.factories import UserFactory
from tests.follows import grant, validated
from tests.twinning import build_world

HOST = "saint-malo.localhost"


def jpeg(name="photo.jpg", size=(60, 40), color=(200, 80, 40), exif: bool = False):
    image = Image.new("RGB", size, color)
    output = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0131] = "PhoneSoftware 1.0"  # Software
        image.save(output, format="JPEG", exif=data)
    else:
        image.save(output, format="JPEG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/jpeg")


def pdf(name="compte-rendu.pdf"):
    return SimpleUploadedFile(
        name,
        b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
        content_type="application/pdf",
    )


def site_client(user=None) -> Client:
    client = Client(HTTP_HOST=HOST)
    if user is not None:
        client.force_login(user)
    return client


def publish(world, author=None, **fields):
    values = {"category": "information", "title": "Fête de la rue", "body": "Samedi à 18 h."}
    values.update(fields)
    return services.post_create(community=world.here, author=author or world.here_member, **values)


@pytest.fixture
def gazette_world(commune):
    world = build_world(commune)
    # Marie and Paul's neighbour, a second member of "Intra-muros".
    world.neighbour = person_at(commune, offset(SAINT_MALO, 30, 10), first_name="Paul")
    community_services.membership_request(user=world.neighbour, community=world.here)
    community_services.membership_decide(
        membership=world.here.memberships.get(user=world.neighbour),
        by=world.here_referent,
        accept=True,
    )
    world.pending = person_at(commune, offset(SAINT_MALO, -30, 10), first_name="Pierre")
    community_services.membership_request(user=world.pending, community=world.here)
    world.resident = person_at(commune, offset(SAINT_MALO, 3000, 3000), first_name="Rita")
    world.mayor = UserFactory(first_name="Maire", last_name="Local")
    grant(commune, world.mayor, StaffRole.Role.MAYOR)
    world.far_member = world.far_referent
    twinning = twinning_services.twinning_propose(
        by=world.here_referent, community=world.here, other=world.near
    )
    twinning_services.twinning_decide(by=world.near_referent, twinning=twinning, accept=True)
    world.twinned = world.near_member
    return world


@pytest.fixture
def outsiders(gazette_world, other_commune):
    """Everyone who must get a 404 (name → user)."""
    world = gazette_world
    moderator = UserFactory(first_name="Modé", last_name="Ratrice")
    moderator.groups.add(platform_staff_group())
    return {
        "platform staff": moderator,
        "resident not member": world.resident,
        "pending member": world.pending,
        "twinned member": world.twinned,
        "town-hall staff": world.mayor,
        "other community's member": world.far_member,
        "other commune's resident": validated(UserFactory(), other_commune),
    }


__all__ = ["SimpleNamespace", "jpeg", "pdf", "publish", "site_client"]
