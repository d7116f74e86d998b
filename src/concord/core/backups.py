"""Backups of the database: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL.

`backup_database(settings_dict, output)` and `restore_database(settings_dict, source)` take a Django
database settings dict (`connections["default"].settings_dict`), so they work on any configured
database, the test database included. `concord backup` and `concord restore` call them.

SQLite: the backup copies the live database page by page while it stays in use (WAL readers and
writers keep working), into a temporary file that is renamed into place only when complete, and
switched to a rollback journal so the backup is one self-contained file. A restore checks the file
(integrity, a Django schema) and copies it into the live database with the same API, in one step:
connections see the old database or the new one, never a mix.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner
--single-transaction`, with the connection taken from the settings and the password passed in
PGPASSWORD (never on a command line). The tools are found on PATH or under
/usr/lib/postgresql/<version>/bin (the newest).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any


class BackupError(Exception):
    pass


def _vendor(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine or "postgis" in engine:
        return "postgresql"
    raise BackupError(f"Backups are not supported for {engine}.")


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_connect(settings_dict: dict[str, Any]) -> sqlite3.Connection:
    name = str(settings_dict["NAME"])
    uri = name.startswith("file:")
    if not uri and name != ":memory:" and not Path(name).exists():
        raise BackupError(f"No SQLite database at {name}.")
    return sqlite3.connect(name, uri=uri, timeout=30)


def _sqlite_live_connection(settings_dict: dict[str, Any]) -> sqlite3.Connection | None:
    """Django's own open connection to this database, when there is one: an in-memory test
    database is reachable only through it."""
    from django.db import connections

    for alias in connections:
        conn = connections[alias]
        if conn.settings_dict is settings_dict or (
            conn.vendor == "sqlite" and conn.settings_dict.get("NAME") == settings_dict.get("NAME")
        ):
            conn.ensure_connection()
            return conn.connection
    return None


def sqlite_backup_file(source: sqlite3.Connection, output: Path) -> None:
    """Copy the database open on `source` into the file `output` (replaced when complete)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(handle)
    try:
        target = sqlite3.connect(temporary)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            ok = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
        if ok != "ok":
            raise BackupError(f"The backup failed its integrity check: {ok}")
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_sqlite_backup(path: Path) -> None:
    """Raise BackupError unless `path` is an intact SQLite database with a Django schema."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            has_django = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database: {exc}") from exc
    if ok != "ok":
        raise BackupError(f"{path} failed its integrity check: {ok}")
    if not has_django:
        raise BackupError(f"{path} holds no Concord database (no django_migrations table).")


def sqlite_restore_file(source: Path, target: sqlite3.Connection) -> None:
    """Copy the backup file `source` into the database open on `target`, replacing its content."""
    check_sqlite_backup(source)
    if target.in_transaction:
        raise BackupError("The database is in the middle of a transaction; cannot restore now.")
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        backup.backup(target)
    finally:
        backup.close()


# -- PostgreSQL --------------------------------------------------------------------------------


def postgres_tool(name: str) -> str:
    """The path of pg_dump or pg_restore: the newest under /usr/lib/postgresql, else PATH."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: [int(x) if x.isdigit() else x for x in Path(p).parts[-3].split(".")],
    )
    if candidates:
        return candidates[-1]
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} was not found (install the PostgreSQL client tools).")


def _pg_env_and_args(settings_dict: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env, args


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )


def postgres_backup(settings_dict: dict[str, Any], output: Path) -> None:
    env, args = _pg_env_and_args(settings_dict)
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(handle)
    try:
        _run(
            [
                postgres_tool("pg_dump"),
                *args,
                "--format=custom",
                "--no-password",
                "--file",
                temporary,
                str(settings_dict["NAME"]),
            ],
            env,
        )
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def postgres_restore(settings_dict: dict[str, Any], source: Path) -> None:
    env, args = _pg_env_and_args(settings_dict)
    _run(
        [
            postgres_tool("pg_restore"),
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            "--dbname",
            str(settings_dict["NAME"]),
            str(source),
        ],
        env,
    )


# -- the entry points ----------------------------------------------------------------------------


def backup_database(settings_dict: dict[str, Any], output: str | Path) -> Path:
    """Write a backup of the database described by `settings_dict` to `output`."""
    output = Path(output)
    if _vendor(settings_dict) == "sqlite":
        live = _sqlite_live_connection(settings_dict)
        if live is not None:
            sqlite_backup_file(live, output)
        else:
            source = _sqlite_connect(settings_dict)
            try:
                sqlite_backup_file(source, output)
            finally:
                source.close()
    else:
        postgres_backup(settings_dict, output)
    return output


def restore_database(settings_dict: dict[str, Any], source: str | Path) -> None:
    """Replace the content of the database described by `settings_dict` with the backup `source`."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if _vendor(settings_dict) == "sqlite":
        live = _sqlite_live_connection(settings_dict)
        if live is not None:
            sqlite_restore_file(source, live)
        else:
            target = _sqlite_connect(settings_dict)
            try:
                sqlite_restore_file(source, target)
            finally:
                target.close()
    else:
        from django.db import connections

        # pg_restore --clean drops tables: no session of ours may hold a lock on them.
        connections.close_all()
        postgres_restore(settings_dict, source)
