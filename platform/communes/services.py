"""Writes on communes, hosting partners and module switches.

Every function is keyword-only, atomic, checks its rule and leaves an audit
entry; the Wagtail admin, the API, management commands and tests call these,
never the ORM directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from communes.models import Commune, CommuneModule, CommunePage, HostingPartner, Plan
from communes.selectors import communes_of_staff, user_can_manage_partner
from core.modules import forget_enabled_cache, registry

EDITOR_PAGE_PERMISSIONS = ("add", "change", "publish", "lock", "unlock")
EDITOR_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "image", ("add", "change", "choose")),
    ("wagtaildocs", "document", ("add", "change", "choose")),
)


@dataclass
class CommuneIdentity:
    name: str
    country: str
    official_code: str
    time_zone: str
    population: int = 0
    postal_codes: str = ""
    slug: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contact_address: str = ""
    opening_hours: str = ""
    theme: str = "default"


def _check_partner(user, partner: HostingPartner) -> None:
    if not user_can_manage_partner(user, partner):
        raise PermissionDenied(_("You do not manage this hosting partner."))


def _full_clean(commune: Commune, *, exclude: list[str] | None = None) -> None:
    try:
        commune.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _editors_group(commune: Commune, page: CommunePage, collection: Collection) -> Group:
    group = Group.objects.create(
        name=_("Town hall of %(name)s (%(code)s)")
        % {
            "name": commune.name,
            "code": commune.official_code,
        }
    )
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for permission_type in EDITOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.create(group=group, page=page, permission_type=permission_type)
    for app_label, model, actions in EDITOR_COLLECTION_PERMISSIONS:
        for action in actions:
            GroupCollectionPermission.objects.create(
                group=group,
                collection=collection,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                ),
            )
    return group


@transaction.atomic
def commune_create(
    *,
    by,
    partner: HostingPartner,
    identity: CommuneIdentity,
    hostname: str,
    port: int = 80,
    plan: Plan | None = None,
) -> Commune:
    """Create a commune with its Wagtail Site, home page, media collection and editors group."""
    _check_partner(by, partner)
    slug = identity.slug or slugify(identity.name)
    commune = Commune(
        hosting_partner=partner,
        plan=plan,
        slug=slug,
        **{k: v for k, v in identity.__dict__.items() if k != "slug"},
    )
    _full_clean(commune, exclude=["site", "editors_group"])
    hostname = hostname.strip().lower()
    if not hostname or Site.objects.filter(hostname=hostname, port=port).exists():
        raise ValidationError({"hostname": [_("This host name is already used by another site.")]})

    root = Page.get_first_root_node()
    home = CommunePage(title=commune.name, slug=slug, intro="")
    root.add_child(instance=home)
    # The partner creates the site: page permissions are the town hall's, not theirs.
    home.save_revision(user=by).publish(user=by, skip_permission_checks=True)
    site = Site.objects.create(hostname=hostname, port=port, root_page=home, site_name=commune.name)
    collection = Collection.get_first_root_node().add_child(name=commune.name)
    commune.site = site
    commune.save()
    commune.editors_group = _editors_group(commune, home, collection)
    commune.save(update_fields=["editors_group"])
    log(instance=commune, action="wagtail.create", user=by)
    return commune


@transaction.atomic
def commune_update(*, by, commune: Commune, **fields) -> Commune:
    """Change a commune's identity, contact details, theme or plan."""
    _check_partner(by, commune.hosting_partner)
    allowed = set(CommuneIdentity.__dataclass_fields__) - {"slug"} | {"plan"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    for name, value in fields.items():
        setattr(commune, name, value)
    _full_clean(commune)
    commune.save()
    if "name" in fields and commune.site_id:
        Site.objects.filter(pk=commune.site_id).update(site_name=commune.name)
    log(instance=commune, action="wagtail.edit", user=by)
    return commune


@transaction.atomic
def module_set_enabled(*, by, commune: Commune, module: str, enabled: bool) -> CommuneModule:
    """Switch a module on or off for one commune. Its data is never touched."""
    _check_partner(by, commune.hosting_partner)
    try:
        registry.get(module)
    except LookupError:
        raise ValidationError({"module": [_("Unknown module.")]}) from None
    switch, _created = CommuneModule.objects.select_for_update().get_or_create(
        commune=commune, module=module, defaults={"enabled": enabled, "updated_by": by}
    )
    if switch.enabled != enabled or _created:
        switch.enabled = enabled
        switch.updated_by = by
        switch.save()
        log(
            instance=commune,
            action="communes.module_on" if enabled else "communes.module_off",
            user=by,
            data={"module": module},
        )
    forget_enabled_cache(commune)
    return switch


# What a town hall edits itself, in the order its form shows them.
TOWN_HALL_FIELDS = (
    "contact_email",
    "contact_phone",
    "contact_address",
    "opening_hours",
    "logo",
    "coat_of_arms",
    "theme",
)


@transaction.atomic
def commune_update_details(*, by, commune: Commune, **fields) -> Commune:
    """The town hall edits its public details: contacts, hours, logo, coat of arms, theme."""
    if not communes_of_staff(by).filter(pk=commune.pk).exists():
        raise PermissionDenied(_("You cannot edit this commune."))
    unknown = set(fields) - set(TOWN_HALL_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    for name, value in fields.items():
        setattr(commune, name, value)
    _full_clean(commune)
    commune.save(update_fields=[*fields])
    log(instance=commune, action="wagtail.edit", user=by)
    return commune
