from django.db import migrations, models


def fill_birthday_index(apps, schema_editor):
    """Index the month and day of birth dates already given (CNT-6)."""
    from accounts.models import birthday_index

    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(birth_date=None).only("pk", "birth_date").iterator():
        User.objects.filter(pk=user.pk).update(birthday_index=birthday_index(user.birth_date))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="birthday_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.RunPython(fill_birthday_index, migrations.RunPython.noop),
    ]
