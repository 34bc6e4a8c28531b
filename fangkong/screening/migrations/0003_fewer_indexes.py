# Fewer indexes on the tables a push list writes to, one row per pushed person.
#
# Altering `person` to db_index=False makes PostgreSQL's schema editor drop every single-column
# index on person_id, the partial unique index of open key persons included; so that constraint is
# removed first and added again after the change.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('screening', '0002_lean_indexes'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='keypersonsource',
            name='keypersonsource_one_per_push_list',
        ),
        migrations.RemoveConstraint(
            model_name='keyperson',
            name='keyperson_one_open_per_person',
        ),
        migrations.AlterField(
            model_name='keyperson',
            name='person',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='key_person_records', to='people.person'),
        ),
        migrations.AlterField(
            model_name='keypersonsource',
            name='key_person',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='sources', to='screening.keyperson'),
        ),
        migrations.AddConstraint(
            model_name='keyperson',
            constraint=models.UniqueConstraint(condition=models.Q(('clear_state', 'released'), _negated=True), fields=('person',), name='keyperson_one_open_per_person'),
        ),
        migrations.AddConstraint(
            model_name='keypersonsource',
            constraint=models.UniqueConstraint(fields=('key_person', 'push_list'), name='keypersonsource_one_per_push_list'),
        ),
    ]
