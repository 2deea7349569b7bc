"""Existing mayors gain the two permissions of issue 20 (``view_community_alerts``,
``contact_referents``): ``communes.roles`` gives the mayor every commune permission,
and ``sync_staff_permissions`` only runs when a role changes."""

from django.db import migrations

# As ``Commune.Meta.permissions`` names them (migration 0008). Django creates missing
# permissions after ``migrate`` (post_migrate), too late for this migration, and its
# ``create_permissions`` does not take the historical apps' stubs: they are made here.
NEW_PERMISSIONS = {
    "view_community_alerts": "Read the alerts of the commune's communities",
    "contact_referents": "See the communities' référents and write to them",
}


def grant_mayors(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    StaffRole = apps.get_model("communes", "StaffRole")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    content_type, _ = ContentType.objects.get_or_create(app_label="communes", model="commune")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in NEW_PERMISSIONS.items()
    ]
    for role in StaffRole.objects.filter(role="mayor").order_by("pk"):
        for permission in permissions:
            UserObjectPermission.objects.get_or_create(
                user_id=role.user_id,
                permission=permission,
                content_type=content_type,
                object_pk=str(role.commune_id),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("communes", "0008_police_role"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [migrations.RunPython(grant_mayors, migrations.RunPython.noop)]
