"""The audit log becomes a hash chain: seq, prev_hash and hash on every row; existing rows are
chained in id order."""

from django.db import migrations, models


def chain_existing(apps, schema_editor):
    from concord.audit import chain

    AuditEntry = apps.get_model("audit", "AuditEntry")
    prev, batch = chain.GENESIS, []
    rows = AuditEntry.objects.order_by("id").iterator(chunk_size=2000)
    for seq, row in enumerate(rows, start=1):
        row.seq, row.prev_hash = seq, prev
        row.hash = chain.row_hash(
            seq=seq,
            at=row.at,
            actor_id=row.actor_id,
            actor_label=row.actor_label,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            unit_id=row.unit_id,
            data=row.data,
            prev_hash=prev,
        )
        prev = row.hash
        batch.append(row)
        if len(batch) >= 1000:
            AuditEntry.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            batch = []
    if batch:
        AuditEntry.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.PositiveBigIntegerField(
                editable=False, null=True, verbose_name="sequence"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=64, verbose_name="previous hash"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
