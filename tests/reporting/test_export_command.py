"""`concord export-ledger --output FILE.xlsx [--unit CODE] [--from DATE] [--to DATE]` (DESIGN §6)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from concord.accounts.models import Role
from concord.audit.models import AuditEntry
from concord.intake.ledger_import import ledger_import
from tests.factories import UserFactory
from tests.reporting.test_ledger_export import build_cases, export_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(county):
    return UserFactory(role=Role.ADMIN, scope_unit=county.bureau, is_staff=True)


@pytest.fixture
def cases(county):
    return build_cases(county)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(*args, stderr=None):
    out, err = io.StringIO(), stderr or io.StringIO()
    with translation.override("en"):
        call_command("export_ledger", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_summary_and_the_file(tmp_path, county, admin, cases):
    target = tmp_path / "ledger.xlsx"
    out, err = _run("--output", target)
    summary = json.loads(out)
    assert list(summary) == ["rows", "output", "seconds"]
    assert summary["rows"] == 6 and summary["output"] == str(target)
    assert isinstance(summary["seconds"], float) and err == ""
    _, rows = export_rows(target)
    assert len(rows) == 6
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.xlsx"]  # no part file left behind
    entry = AuditEntry.objects.get(action="reporting.ledger_export")
    assert entry.actor == admin  # the first active administrator, by default
    assert (entry.data["rows"], entry.data["via"], entry.data["filters"]) == (6, "command", {})


def test_unit_and_dates_narrow_the_export(tmp_path, county, admin, cases):
    today = timezone.localdate()
    out, _ = _run(
        "--output",
        tmp_path / "l.xlsx",
        "--unit",
        county.east.station.code,
        "--from",
        today - dt.timedelta(days=25),
        "--to",
        today - dt.timedelta(days=1),
    )
    _, rows = export_rows(tmp_path / "l.xlsx")
    # East, found 2 to 20 days ago: the registered, mediating and red cases; not the west's.
    assert sorted(r["案件编号"] for r in rows) == sorted(
        cases[name].case_number for name in ("registered", "mediating", "red")
    )
    assert json.loads(out)["rows"] == 3
    entry = AuditEntry.objects.get(action="reporting.ledger_export")
    assert entry.data["filters"] == {
        "unit": county.east.station.code,
        "found_from": (today - dt.timedelta(days=25)).isoformat(),
        "found_to": (today - dt.timedelta(days=1)).isoformat(),
    }


def test_the_actor_holds_what_they_may_see(tmp_path, county, admin, cases):
    chief = county.east.chief
    _run("--output", tmp_path / "l.xlsx", "--actor", chief.username)
    _, rows = export_rows(tmp_path / "l.xlsx")
    assert len(rows) == 5  # not the west's case
    with pytest.raises(CommandError, match="outside the area"):
        _run(
            "--output",
            tmp_path / "w.xlsx",
            "--actor",
            chief.username,
            "--unit",
            county.west.station.code,
        )
    with pytest.raises(CommandError, match="No active user"):
        _run("--output", tmp_path / "n.xlsx", "--actor", "nobody")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--unit", "NOPE"], "No unit with the code"),
        (["--from", "2024-13-01"], "is not a date"),
        (["--from", "2024-05-02", "--to", "2024-05-01"], "--from is after --to"),
    ],
)
def test_bad_arguments_are_named(tmp_path, county, admin, args, words):
    with pytest.raises(CommandError, match=words):
        _run("--output", tmp_path / "l.xlsx", *args)
    assert not list(tmp_path.iterdir())


def test_bad_outputs_are_refused(tmp_path, county, admin):
    with pytest.raises(CommandError, match="must be an .xlsx file"):
        _run("--output", tmp_path / "l.csv")
    with pytest.raises(CommandError, match="does not exist"):
        _run("--output", tmp_path / "missing" / "l.xlsx")


def test_without_an_administrator_the_actor_must_be_named(tmp_path, county):
    with pytest.raises(CommandError, match="use --actor"):
        _run("--output", tmp_path / "l.xlsx")
    out, _ = _run("--output", tmp_path / "l.xlsx", "--actor", county.commander.username)
    assert json.loads(out)["rows"] == 0


def test_unmasked_needs_the_role_and_a_reason(tmp_path, county, admin, cases):
    chief = county.east.chief
    with pytest.raises(CommandError, match="may not export personal data unmasked"):
        _run(
            "--output",
            tmp_path / "l.xlsx",
            "--unmasked",
            "--reason",
            "x",
            "--actor",
            chief.username,
        )
    with pytest.raises(CommandError, match="Give the reason"):
        _run("--output", tmp_path / "l.xlsx", "--unmasked")
    assert not list(tmp_path.iterdir())
    _run("--output", tmp_path / "l.xlsx", "--unmasked", "--reason", "数据迁移")
    _, rows = export_rows(tmp_path / "l.xlsx")
    registered = next(r for r in rows if r["案件编号"] == cases["registered"].case_number)
    assert "13800138000" in registered["主要当事人"]
    entry = AuditEntry.objects.get(action="reporting.ledger_export")
    assert (entry.data["unmasked"], entry.data["reason"]) == (True, "数据迁移")


def test_a_progress_bar_on_a_terminal_only(tmp_path, county, admin, cases):
    _, on_terminal = _run("--output", tmp_path / "a.xlsx", stderr=_Terminal())
    assert "\r[" in on_terminal and "] 6/6\n" in on_terminal
    _, piped = _run("--output", tmp_path / "b.xlsx")
    assert piped == ""


def test_import_ledger_reads_the_commands_export_with_no_row_rejected(
    tmp_path, county, admin, cases
):
    _run("--output", tmp_path / "l.xlsx")
    report = ledger_import(actor=admin, path_or_file=tmp_path / "l.xlsx", dry_run=True)
    assert report.rows_total == 6 and report.rejected == []
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "import_ledger",
            str(tmp_path / "l.xlsx"),
            "--dry-run",
            "--report",
            str(tmp_path / "r.json"),
            stdout=out,
            stderr=io.StringIO(),
        )
    written = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert (written["rows_total"], written["rejected"], written["imported"]) == (6, [], [])
