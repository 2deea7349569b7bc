# CTY-12: the pair fields now live in MergeSide (copied by 0005); an open proposal
# waits for every other community, not one.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0005_merge_sides_from_pairs"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="mergeproposal",
            name="merge_one_open_proposal",
        ),
        migrations.RemoveField(
            model_name="mergeproposal",
            name="absorbed",
        ),
        migrations.RemoveField(
            model_name="mergeproposal",
            name="absorbed_name",
        ),
        migrations.RemoveField(
            model_name="mergeproposal",
            name="absorbed_agreed_by",
        ),
        migrations.RemoveField(
            model_name="mergeproposal",
            name="kept_agreed_by",
        ),
        migrations.AlterField(
            model_name="mergeproposal",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Waiting for the other communities"),
                    ("agreed", "Agreed, waiting for the platform's staff"),
                    ("executed", "Merged"),
                    ("cancelled", "Cancelled"),
                ],
                default="open",
                max_length=10,
                verbose_name="status",
            ),
        ),
    ]
