"""Load the built-in COVID-19 protocols (2020 provincial 14+7+7 and the 9th edition) as data."""

from django.db import migrations


def load(apps, schema_editor):
    from fangkong.protocols.presets import load_presets

    load_presets(models={name: apps.get_model("protocols", name) for name in ("Protocol", "Category", "Phase")})


class Migration(migrations.Migration):
    dependencies = [("protocols", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
