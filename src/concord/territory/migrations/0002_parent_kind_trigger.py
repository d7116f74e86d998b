"""The database itself refuses a unit placed under the wrong kind of parent (警格+网格 fusion).

The services check this first with a translated message; the trigger is the last line, for raw SQL,
bulk loads and bugs.
"""

from django.db import migrations

EXPECTED = (
    "CASE {row}.kind WHEN 'station' THEN 'bureau' WHEN 'post' THEN 'station' "
    "WHEN 'village' THEN 'post' WHEN 'grid' THEN 'village' END"
)

SQLITE = [
    f"""CREATE TRIGGER territory_unit_parent_kind_insert BEFORE INSERT ON territory_unit
    WHEN NEW.parent_id IS NOT NULL AND
         (SELECT kind FROM territory_unit WHERE id = NEW.parent_id) IS NOT ({EXPECTED.format(row="NEW")})
    BEGIN SELECT RAISE(ABORT, 'territory_unit: parent must be the tier directly above'); END""",
    f"""CREATE TRIGGER territory_unit_parent_kind_update BEFORE UPDATE OF parent_id, kind ON territory_unit
    WHEN NEW.parent_id IS NOT NULL AND
         (SELECT kind FROM territory_unit WHERE id = NEW.parent_id) IS NOT ({EXPECTED.format(row="NEW")})
    BEGIN SELECT RAISE(ABORT, 'territory_unit: parent must be the tier directly above'); END""",
    """CREATE TRIGGER territory_unit_kind_with_children BEFORE UPDATE OF kind ON territory_unit
    WHEN NEW.kind IS NOT OLD.kind AND EXISTS (SELECT 1 FROM territory_unit WHERE parent_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'territory_unit: cannot change the kind of a unit that has children'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS territory_unit_parent_kind_insert",
    "DROP TRIGGER IF EXISTS territory_unit_parent_kind_update",
    "DROP TRIGGER IF EXISTS territory_unit_kind_with_children",
]

POSTGRES = [
    f"""CREATE FUNCTION territory_unit_check_parent_kind() RETURNS trigger AS $$
    BEGIN
      IF NEW.parent_id IS NOT NULL AND
         (SELECT kind FROM territory_unit WHERE id = NEW.parent_id) IS DISTINCT FROM ({EXPECTED.format(row="NEW")}) THEN
        RAISE EXCEPTION 'territory_unit: parent must be the tier directly above' USING ERRCODE = 'check_violation';
      END IF;
      IF TG_OP = 'UPDATE' AND NEW.kind IS DISTINCT FROM OLD.kind AND
         EXISTS (SELECT 1 FROM territory_unit WHERE parent_id = NEW.id) THEN
        RAISE EXCEPTION 'territory_unit: cannot change the kind of a unit that has children' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER territory_unit_parent_kind BEFORE INSERT OR UPDATE OF parent_id, kind ON territory_unit
    FOR EACH ROW EXECUTE FUNCTION territory_unit_check_parent_kind()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS territory_unit_parent_kind ON territory_unit",
    "DROP FUNCTION IF EXISTS territory_unit_check_parent_kind()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
