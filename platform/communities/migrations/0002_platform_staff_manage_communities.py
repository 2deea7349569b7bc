"""The platform staff group holds ``communities.manage_communities``.

The admin menu of communities asks ``user.has_perm`` (answered from the
permission cache Wagtail's other menu items already filled) instead of a group
query on every admin page; views still check ``accounts.staff.is_platform_staff``.
"""

from django.db import migrations

PLATFORM_STAFF_GROUP = "Platform staff"  # accounts.staff.PLATFORM_STAFF_GROUP, frozen here


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; this one is needed now.
    create_permissions(global_apps.get_app_config("communities"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=PLATFORM_STAFF_GROUP)
    permission = Permission.objects.get(
        content_type__app_label="communities", codename="manage_communities"
    )
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=PLATFORM_STAFF_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(
                content_type__app_label="communities", codename="manage_communities"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0001_initial"),
        ("communes", "0004_platform_staff_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
