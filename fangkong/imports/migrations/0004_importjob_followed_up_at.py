from django.db import migrations, models
from django.db.models import F


def mark_done_jobs(apps, schema_editor):
    # Jobs finished before the follow-up step was its own step ran it inside their "done" transaction.
    ImportJob = apps.get_model("imports", "ImportJob")
    ImportJob.objects.filter(status="done").update(followed_up_at=F("finished_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_pushlistentry_outside_district"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="followed_up_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_done_jobs, migrations.RunPython.noop),
    ]
