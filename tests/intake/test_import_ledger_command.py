"""`concord import-ledger FILE.xlsx [--dry-run] [--report REPORT.json]` (DESIGN §6)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from concord.accounts.models import Role
from concord.disputes.models import Dispute
from tests.factories import UserFactory
from tests.intake import ledger_fixtures as fx

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(county):
    return UserFactory(role=Role.ADMIN, scope_unit=county.bureau, is_staff=True)


def _run(*args, stderr=None):
    out, err = io.StringIO(), stderr or io.StringIO()
    with translation.override("en"):
        call_command("import_ledger", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_report_file_has_the_contract_shape(tmp_path, county, admin):
    ledger = fx.station_ledger(tmp_path / "东派出所.xlsx")
    report_path = tmp_path / "report.json"
    out, err = _run(ledger, "--report", report_path)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert list(report) == ["rows_total", "imported", "rejected", "warnings"]
    assert report["rows_total"] == 17
    assert report["imported"] == fx.IMPORTED
    assert [r["row"] for r in report["rejected"]] == list(fx.REJECTED)
    assert all(set(r) == {"row", "reason"} for r in report["rejected"])
    assert report["rejected"][0]["reason"].startswith("No. 8, 所在村（社区）: ")
    assert [w["row"] for w in report["warnings"]] == fx.WARNED
    assert all(set(w) == {"row", "message"} for w in report["warnings"])
    # Exit 0 (no exception), the summary on stdout, the rejected rows on stderr.
    assert "13 imported, 3 rejected" in out
    assert "3 row(s) were rejected" in err and "No. 9, 风险等级" in err
    assert Dispute.objects.count() == len(fx.IMPORTED)


def test_a_dry_run_writes_nothing(tmp_path, county, admin):
    ledger = fx.station_ledger(tmp_path / "l.xlsx")
    report_path = tmp_path / "dry.json"
    out, _ = _run(ledger, "--dry-run", "--report", report_path)
    assert not Dispute.objects.exists()
    assert "Dry run" in out
    assert json.loads(report_path.read_text(encoding="utf-8"))["imported"] == fx.IMPORTED


def test_an_unreadable_file_exits_non_zero_and_writes_no_report(tmp_path, county, admin):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    report_path = tmp_path / "report.json"
    with pytest.raises(CommandError, match="was not imported") as raised:
        _run(bad, "--report", report_path)
    assert raised.value.returncode == 1
    assert not report_path.exists()
    with pytest.raises(CommandError, match="Cannot read"):
        _run(tmp_path / "missing.xlsx")


def test_the_actor_is_an_importer_and_their_scope_applies(tmp_path, county, admin):
    ledger = fx.station_ledger(tmp_path / "l.xlsx")
    report_path = tmp_path / "r.json"
    _run(ledger, "--actor", county.east.chief.username, "--report", report_path)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [r["row"] for r in report["rejected"]] == [8, 9, 10, 11]
    with pytest.raises(CommandError, match="may not import"):
        _run(ledger, "--actor", county.east.grid_worker.username)
    with pytest.raises(CommandError, match="No active user"):
        _run(ledger, "--actor", "nobody")


def test_without_an_administrator_the_actor_must_be_named(tmp_path, county):
    with pytest.raises(CommandError, match="--actor"):
        _run(fx.station_ledger(tmp_path / "l.xlsx"))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_on_a_terminal_only(tmp_path, county, admin):
    ledger = fx.station_ledger(tmp_path / "l.xlsx")
    _, on_terminal = _run(ledger, "--dry-run", stderr=_Terminal())
    assert "\r[" in on_terminal and "] 17/17" in on_terminal
    _, piped = _run(ledger, "--dry-run")
    assert "\r[" not in piped
