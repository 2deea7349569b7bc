"""COM-5 for communities: a community is drawn inside its commune's territory."""

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils import translation

from communes import demo
from communities import services
from communities.models import Community
from tests.communities import make_community, offset, person_at, square
from tests.factories import UserFactory

GRAND_BE = (-2.0330, 48.6530)  # the island off intra-muros, near the commune's edge
INTRA_MUROS = (-2.0255, 48.6495)


@pytest.fixture
def bounded(commune):
    commune.boundary = demo.boundary("saint-malo")
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    commune.save()
    return commune


def test_a_community_inside_the_commune_is_created(bounded):
    community = make_community(bounded, INTRA_MUROS)
    assert community.pk is not None


def test_a_community_drawn_across_the_communes_edge_is_refused(bounded):
    home = offset(GRAND_BE, -700)  # 700 m west: the commune's edge runs through the square
    creator = person_at(bounded, home)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.community_create(user=creator, commune=bounded, name="Large", area=square(home))
    assert error.value.message_dict == {
        "area": ["Ce périmètre sort de Saint-Malo : tracez-le à l’intérieur de la commune."]
    }
    assert not Community.objects.exists()


def test_a_radius_stands_for_a_missing_boundary(commune):
    commune.center = Point(-2.0253, 48.6493, srid=4326)
    commune.radius_km = 1
    commune.save()
    far = offset(INTRA_MUROS, 3000)
    creator = person_at(commune, far)
    with pytest.raises(ValidationError) as error:
        services.community_create(user=creator, commune=commune, name="Loin", area=square(far))
    assert list(error.value.message_dict) == ["area"]


def test_staff_cannot_redraw_a_community_outside_the_commune(bounded):
    community = make_community(bounded, INTRA_MUROS)
    staff = UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(ValidationError) as error:
        services.community_set_boundary(
            by=staff, community=community, area=square(offset(GRAND_BE, -700))
        )
    assert "sort de Saint-Malo" in error.value.message_dict["area"][0]


def test_my_community_page_says_the_address_waits_for_its_point(client, commune):
    user = UserFactory(address="12 rue de l'Église", location=None)
    client.force_login(user)
    page = client.get("/communautes/ma-communaute/", HTTP_HOST="saint-malo.localhost")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Votre adresse n’est pas encore placée sur la carte" in text
    assert "Indiquez d’abord votre adresse" not in text
