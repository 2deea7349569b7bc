# CTY-12: a merge proposal names one or more communities merged away; every community of
# it (the kept one included) is a MergeSide row with its own agreement. The old pair
# fields are copied by 0005 and dropped by 0006.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0003_history_kinds_from_modules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MergeSide",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "community_name",
                    models.CharField(max_length=120, verbose_name="name of the community"),
                ),
                (
                    "agreed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="agreed at"),
                ),
                (
                    "agreed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="agreed by",
                    ),
                ),
                (
                    "community",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="merge_sides",
                        to="communities.community",
                        verbose_name="community",
                    ),
                ),
                (
                    "proposal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sides",
                        to="communities.mergeproposal",
                        verbose_name="merge proposal",
                    ),
                ),
            ],
            options={
                "verbose_name": "side of a merge",
                "verbose_name_plural": "sides of a merge",
                "ordering": ["pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("proposal", "community"), name="merge_side_community_once"
                    )
                ],
            },
        ),
    ]
