"""The platform staff group (``accounts.staff.PLATFORM_STAFF_GROUP``), with access to the admin.

Support and moderation work in the Wagtail admin; membership is given by hand.
"""

from django.db import migrations

PLATFORM_STAFF_GROUP = "Platform staff"  # accounts.staff.PLATFORM_STAFF_GROUP, frozen here


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=PLATFORM_STAFF_GROUP)
    access_admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access_admin is not None:
        group.permissions.add(access_admin)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("communes", "0003_follows_staff_roles"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
