"""seq is unique and required once every existing row has one (a separate migration, so PostgreSQL
alters the table outside the transaction that filled the column)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain")]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.PositiveBigIntegerField(
                editable=False, unique=True, verbose_name="sequence"
            ),
        ),
    ]
