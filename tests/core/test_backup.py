import hashlib
import json
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from concord.accounts.models import User
from concord.audit.models import AuditEntry
from concord.core.backups import BackupError, backup_database, restore_database
from concord.disputes.models import Dispute, DisputeEvent, Party
from concord.disputes.services import PartyInput
from concord.people.models import Person, PersonKey
from concord.territory.models import Unit
from tests.factories import register_dispute

MODELS = (Unit, User, Dispute, Party, DisputeEvent, Person, PersonKey)


def _fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of a few tables."""
    result = {}
    for model in MODELS:
        rows = list(model.objects.order_by("pk").values_list())
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        result[model._meta.label] = (len(rows), digest)
    return result


def _round_trip(county, tmp_path, capsys):
    register_dispute(
        county.east,
        parties=[
            PartyInput(name="张三", phone="13812345678", id_number="11010519491231002X"),
            PartyInput(name="欧阳明", role="respondent"),
        ],
    )
    register_dispute(county.west, parties=[PartyInput(name="李四", phone="13900001111")])
    before = _fingerprint()
    audit_before = AuditEntry.objects.count()
    backup = tmp_path / "backups" / "concord.backup"
    call_command("backup", "--output", str(backup))
    assert json.loads(capsys.readouterr().out)["backup"] == str(backup)
    assert backup.stat().st_size > 0

    # Lose and change data after the backup.
    Dispute.objects.filter(grid=county.west.grid).delete()
    Party.objects.update(name="改")
    register_dispute(county.east, title="备份之后的案件")
    assert _fingerprint() != before

    call_command("restore", str(backup), "--yes")
    assert _fingerprint() == before
    # The log has the backup row (inside the backup) and the restore row written after it.
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert len(actions) == audit_before + 2 and actions[-2:] == ["core.backup", "core.restore"]


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_reproduces_the_database_on_sqlite(county, tmp_path, capsys):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip (the PostgreSQL one is below)")
    _round_trip(county, tmp_path, capsys)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_reproduces_the_database_on_postgresql(county, tmp_path, capsys):
    _round_trip(county, tmp_path, capsys)


def _sqlite_file(path, rows):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT)")
    conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
    conn.executemany("INSERT INTO note (text) VALUES (?)", [(r,) for r in rows])
    conn.commit()
    conn.close()


def _dump(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_sqlite_files_round_trip_while_the_database_is_in_wal_mode(tmp_path):
    live = tmp_path / "live.sqlite3"
    _sqlite_file(live, ["甲", "乙"])
    wal = sqlite3.connect(live)
    wal.execute("PRAGMA journal_mode=WAL")
    wal.execute("INSERT INTO note (text) VALUES ('丙')")
    wal.commit()  # still in the WAL file, not yet checkpointed
    settings_dict = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(live)}
    expected = _dump(live)
    out = backup_database(settings_dict, tmp_path / "b.sqlite3")
    assert _dump(out) == expected  # a self-contained file with the WAL's rows
    assert not (tmp_path / "b.sqlite3-wal").exists()
    wal.execute("DELETE FROM note")
    wal.commit()
    restore_database(settings_dict, out)
    wal.close()
    assert _dump(live) == expected


def test_restore_refuses_a_file_that_is_not_a_concord_backup(tmp_path):
    live = tmp_path / "live.sqlite3"
    _sqlite_file(live, ["甲"])
    settings_dict = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(live)}
    before = _dump(live)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(BackupError):
        restore_database(settings_dict, junk)
    foreign = tmp_path / "foreign.sqlite3"
    sqlite3.connect(foreign).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(BackupError, match="no django_migrations"):
        restore_database(settings_dict, foreign)
    with pytest.raises(BackupError):
        restore_database(settings_dict, tmp_path / "missing.sqlite3")
    assert _dump(live) == before


def test_restore_asks_for_confirmation(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "x.sqlite3"))
