"""The audit log's hash chain: every row carries the hash of the one before, and `concord
audit-verify` names the first row that was altered, removed or reordered behind the application's
back. On PostgreSQL the database itself refuses UPDATE and DELETE on the table.

SQLite has no such trigger (see audit migration 0004): whoever can write the database file can do
anything to it, so there the tamper tests change rows with plain SQL, as such an attacker would; on
PostgreSQL they first disable the trigger, as the table's owner could.
"""

import sys
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection, connections, transaction
from django.db.utils import DatabaseError

from concord import cli
from concord.audit import chain
from concord.audit.models import AuditEntry
from concord.audit.services import audit_access, audit_record, audit_verify

pytestmark = pytest.mark.django_db


def _write(county, n: int) -> list[AuditEntry]:
    with transaction.atomic():
        return [
            audit_record(
                actor=county.commander,
                action="test.row",
                target=county.east.station,
                unit=county.east.station,
                data={"i": i, "名": "张三", "amount": 2.0, "at": county.bureau.pk},
            )
            for i in range(n)
        ]


def _as_attacker(sql: str, params: list) -> None:
    """Run raw SQL on the audit table as someone who went around the application."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if (
            postgres
        ):  # the table's owner can switch the trigger off (ALTER TABLE wants no queued checks)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_append_only"
            )
        cursor.execute(sql, params)
        if postgres:
            cursor.execute(
                "ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_append_only"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _cli_exit_code(monkeypatch, capsys) -> tuple[int, str]:
    """`concord audit-verify` exactly as a shell runs it: its exit status and what it printed."""
    monkeypatch.setattr(sys, "argv", ["concord", "audit-verify"])
    # A command run from the shell closes its connections at the end; here that is the test's own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
        sys.exit(0)
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out + out.err


def test_each_row_carries_the_hash_of_the_one_before(county):
    start = AuditEntry.objects.count()  # the county fixture itself writes audited changes
    rows = _write(county, 3)
    assert [r.seq for r in rows] == [start + 1, start + 2, start + 3]
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    assert all(len(r.hash) == 64 for r in rows) and len({r.hash for r in rows}) == 3
    first = AuditEntry.objects.get(seq=1)
    assert first.prev_hash == chain.GENESIS


def test_a_row_hashes_the_same_after_the_round_trip_through_the_database(county):
    (row,) = _write(county, 1)
    stored = AuditEntry.objects.get(pk=row.pk)
    recomputed = chain.row_hash(
        **{f: getattr(stored, f) for f in chain.CONTENT_FIELDS}, prev_hash=stored.prev_hash
    )
    assert recomputed == stored.hash == row.hash


def test_verify_passes_on_an_untouched_chain(county, monkeypatch, capsys):
    _write(county, 5)
    result = audit_verify(chunk_size=2)  # several chunks
    assert result.ok and result.rows == AuditEntry.objects.count()
    code, output = _cli_exit_code(monkeypatch, capsys)
    assert code == 0
    assert f"OK: {result.rows} audit rows" in output and result.head_hash in output


def test_a_row_altered_through_sql_is_named_and_the_command_exits_non_zero(
    county, monkeypatch, capsys
):
    rows = _write(county, 4)
    victim = rows[1]
    _as_attacker(
        "UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["someone_else", victim.pk]
    )
    result = audit_verify()
    assert (result.broken.id, result.broken.seq) == (victim.pk, victim.seq)
    assert result.broken.problem == "hash mismatch"

    code, output = _cli_exit_code(monkeypatch, capsys)
    assert code == 1
    assert f"id={victim.pk} seq={victim.seq}" in output and "hash mismatch" in output

    with pytest.raises(CommandError) as error:
        call_command("audit_verify")
    assert error.value.returncode == 1


def test_an_altered_row_with_its_own_hash_recomputed_breaks_the_next_link(county):
    rows = _write(county, 3)
    victim, after = rows[0], rows[1]
    forged = chain.row_hash(
        seq=victim.seq,
        at=victim.at,
        actor_id=victim.actor_id,
        actor_label=victim.actor_label,
        action="test.forged",
        target_type=victim.target_type,
        target_id=victim.target_id,
        unit_id=victim.unit_id,
        data=victim.data,
        prev_hash=victim.prev_hash,
    )
    _as_attacker(
        "UPDATE audit_auditentry SET action = %s, hash = %s WHERE id = %s",
        ["test.forged", forged, victim.pk],
    )
    broken = audit_verify().broken
    assert (broken.id, broken.problem) == (after.pk, "broken link")


def test_a_row_deleted_from_the_middle_shows_as_a_gap(county):
    rows = _write(county, 3)
    _as_attacker("DELETE FROM audit_auditentry WHERE id = %s", [rows[1].pk])
    broken = audit_verify().broken
    assert (broken.id, broken.seq, broken.problem) == (rows[2].pk, rows[2].seq, "gap")
    assert f"seq {rows[1].seq} missing" in str(broken)


def test_the_orm_refuses_bulk_edits(county):
    _write(county, 1)
    with pytest.raises(RuntimeError):
        AuditEntry.objects.filter(action="test.row").update(action="x")
    with pytest.raises(RuntimeError):
        AuditEntry.objects.filter(action="test.row").delete()
    assert AuditEntry.objects.filter(action="test.row").count() == 1


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_on_the_audit_table(county):
    (row,) = _write(county, 1)
    for sql in (
        "UPDATE audit_auditentry SET actor_label = 'someone_else' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [row.pk])
    stored = AuditEntry.objects.get(pk=row.pk)
    assert stored.actor_label == row.actor_label
    assert audit_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_append_one_unbroken_chain(county):
    errors = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                audit_access(actor=None, action="test.concurrent", data={"writer": k, "i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEntry.objects.filter(action="test.concurrent").count() == 90
    assert audit_verify().ok
