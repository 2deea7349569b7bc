import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import Site

from communes.models import CommunePage
from communes.services import CommuneIdentity, commune_create, module_set_enabled
from core.modules import registry
from tests.factories import HostingPartnerFactory, UserFactory


def identity(**overrides):
    values = dict(
        name="Villeurbanne",
        country="FR",
        official_code="69266",
        postal_codes="69100",
        time_zone="Europe/Paris",
        population=150000,
    )
    values.update(overrides)
    return CommuneIdentity(**values)


def test_commune_create_makes_site_home_page_and_editors_group(db):
    staff = UserFactory()
    partner = HostingPartnerFactory(staff=[staff])
    commune = commune_create(
        by=staff, partner=partner, identity=identity(), hostname="Villeurbanne.localhost"
    )
    site = Site.objects.get(hostname="villeurbanne.localhost")
    assert commune.site == site
    assert isinstance(site.root_page.specific, CommunePage)
    assert site.root_page.live
    assert commune.slug == "villeurbanne"
    assert commune.editors_group.page_permissions.filter(page=site.root_page).count() == 5


def test_wrong_partner_cannot_create_commune(db):
    outsider = UserFactory()
    partner = HostingPartnerFactory(staff=[UserFactory()])
    with pytest.raises(PermissionDenied):
        commune_create(
            by=outsider, partner=partner, identity=identity(), hostname="villeurbanne.localhost"
        )
    assert not Site.objects.filter(hostname="villeurbanne.localhost").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"official_code": "6926"}, "official_code"),
        ({"official_code": "ABCDE"}, "official_code"),
        ({"postal_codes": "6910"}, "postal_codes"),
        ({"postal_codes": "75001"}, "postal_codes"),  # another department
        ({"time_zone": "Africa/Abidjan"}, "time_zone"),
        ({"country": "CI", "official_code": "69266", "postal_codes": ""}, "official_code"),
        (
            {
                "country": "CI",
                "official_code": "CI-AB-03",
                "time_zone": "Europe/Paris",
                "postal_codes": "",
            },
            "time_zone",
        ),
        (
            {"country": "CI", "official_code": "CI-AB-03", "time_zone": "Africa/Abidjan"},
            "postal_codes",
        ),
    ],
)
def test_official_code_postal_codes_and_time_zone_are_validated_per_country(db, overrides, field):
    staff = UserFactory()
    partner = HostingPartnerFactory(staff=[staff])
    with pytest.raises(ValidationError) as error:
        commune_create(
            by=staff, partner=partner, identity=identity(**overrides), hostname="x.localhost"
        )
    assert field in error.value.message_dict


def test_corsican_and_ivorian_codes_are_accepted(db):
    staff = UserFactory()
    partner = HostingPartnerFactory(staff=[staff])
    ajaccio = commune_create(
        by=staff,
        partner=partner,
        hostname="ajaccio.localhost",
        identity=identity(name="Ajaccio", official_code="2A004", postal_codes="20000 20090"),
    )
    cocody = commune_create(
        by=staff,
        partner=partner,
        hostname="cocody.localhost",
        identity=identity(
            name="Cocody",
            country="CI",
            official_code="CI-AB-03",
            postal_codes="",
            time_zone="Africa/Abidjan",
        ),
    )
    assert ajaccio.postal_code_list == ["20000", "20090"]
    assert cocody.time_zone == "Africa/Abidjan"


def test_duplicate_host_name_is_refused(commune, partner):
    with pytest.raises(ValidationError) as error:
        commune_create(
            by=partner.staff.first() or _root(),
            partner=partner,
            identity=identity(),
            hostname="saint-malo.localhost",
        )
    assert "hostname" in error.value.message_dict


def _root():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="root@example.org")


def test_module_switch_keeps_a_row_per_commune(commune, other_commune):
    root = _root()
    module_set_enabled(by=root, commune=commune, module="classifieds", enabled=False)
    assert not registry.is_enabled(commune, "classifieds")
    assert registry.is_enabled(other_commune, "classifieds")
    assert list(registry.enabled_communes("classifieds")) == [other_commune]
    module_set_enabled(by=root, commune=commune, module="classifieds", enabled=True)
    assert registry.is_enabled(commune, "classifieds")


def test_unknown_module_is_a_validation_error(commune):
    with pytest.raises(ValidationError):
        module_set_enabled(by=_root(), commune=commune, module="nope", enabled=True)
