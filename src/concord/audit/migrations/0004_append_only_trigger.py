"""PostgreSQL refuses UPDATE and DELETE on the audit table, whoever asks (raw SQL included).

SQLite gets no trigger: it is the single-file demo database, and anyone who can write the file can
drop a trigger as easily as edit a row. There the hash chain is the protection: `concord
audit-verify` names the first altered, removed or reordered row.

TRUNCATE does not fire row triggers; Django's test flush relies on that. In production the
application's database role should not own the table (owners can TRUNCATE and drop triggers).
"""

from django.db import migrations

POSTGRES = [
    """CREATE FUNCTION audit_auditentry_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION USING
        MESSAGE = 'audit_auditentry is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_auditentry_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_seq_unique")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES}),
            _run({"postgresql": POSTGRES_DROP}),
        ),
    ]
