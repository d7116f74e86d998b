"""Reading messy station ledgers and importing them into the register (DESIGN §6 import-ledger)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError
from django.utils import timezone, translation

from concord.accounts.models import Role
from concord.audit.models import AuditEntry
from concord.disputes.data.categories import CATEGORIES
from concord.disputes.models import CaseSequence, Dispute, DisputeEvent, Party, Task
from concord.intake import ledger
from concord.intake.ledger import CellError, LedgerUnreadable
from concord.intake.ledger_import import LedgerImportRefused, ledger_import
from concord.people.models import Person, PersonKey
from tests.factories import UserFactory
from tests.intake import ledger_fixtures as fx

TODAY = dt.date(2024, 1, 10)


# --------------------------------------------------------------------------------------------------
# Cells


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022.5.3", dt.datetime(2022, 5, 3)),
        ("2022年5月8日", dt.datetime(2022, 5, 8)),
        ("2022/5/12", dt.datetime(2022, 5, 12)),
        ("2022-05-12", dt.datetime(2022, 5, 12)),
        (" 2022-05-12 14:30 ", dt.datetime(2022, 5, 12, 14, 30)),
        ("２０２２－０５－１６", dt.datetime(2022, 5, 16)),
        ("20220512", dt.datetime(2022, 5, 12)),
        (20220512, dt.datetime(2022, 5, 12)),
        ("22.5.3", dt.datetime(2022, 5, 3)),
        (44693, dt.datetime(2022, 5, 12)),
        (44693.5, dt.datetime(2022, 5, 12, 12)),
        (dt.datetime(2022, 5, 14, 9, 30), dt.datetime(2022, 5, 14, 9, 30)),
        (dt.date(2022, 5, 14), dt.datetime(2022, 5, 14)),
        ("5月15日", dt.datetime(2022, 5, 15)),
        ("5.15", dt.datetime(2022, 5, 15)),
    ],
)
def test_dates_in_every_spelling(value, expected):
    assert ledger.parse_date(value, year=2022, today=TODAY) == (expected, None)


def test_a_date_without_a_year_and_no_title_year_warns():
    found, warning = ledger.parse_date("12月28日", year=None, today=dt.date(2023, 1, 5))
    assert found == dt.datetime(2022, 12, 28) and "2022" in warning


def test_blank_is_no_date():
    assert ledger.parse_date("  ", year=None, today=TODAY) == (None, None)


@pytest.mark.parametrize(
    "value", ["昨天", "2022-13-01", "2022-02-30", "2030-01-01", "1999-12-31", 5.15, True]
)
def test_what_is_not_a_usable_date_is_an_error(value):
    with pytest.raises(CellError):
        ledger.parse_date(value, year=2022, today=TODAY)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("红", "red"),
        ("橙", "orange"),
        ("黄", "yellow"),
        ("红色", "red"),
        ("重大", "red"),
        ("较大", "orange"),
        ("一般", "yellow"),
        ("A", "red"),
        ("b", "orange"),
        ("C级", "yellow"),
        ("一级", "red"),
        ("二级", "orange"),
        ("三级", "yellow"),
        ("高", "red"),
        ("中", "orange"),
        ("低风险", "yellow"),
        ("红色（重大）", "red"),
        ("Orange (serious)", "orange"),
        ("yellow", "yellow"),
        ("", None),
        (None, None),
    ],
)
def test_risk_levels_in_every_spelling(value, level):
    assert ledger.parse_level(value) == level


@pytest.mark.parametrize("value", ["紫色", "红/黄", "很危险"])
def test_an_unknown_or_contradictory_level_is_an_error(value):
    with pytest.raises(CellError):
        ledger.parse_level(value)


@pytest.mark.parametrize(
    ("value", "status", "target"),
    [
        ("已化解", "resolved", ""),
        ("已化解，双方签订协议", "resolved", ""),
        ("是", "resolved", ""),
        ("稳控", "contained", ""),
        ("已稳控", "contained", ""),
        ("移交", "transferred", ""),
        ("已移交司法所", "transferred", "司法所"),
        ("化解中", "mediating", ""),
        ("调处中", "mediating", ""),
        ("未化解", "registered", ""),
        ("待化解", "registered", ""),
        ("否", "registered", ""),
        ("", "registered", ""),
        ("已销号", "closed", ""),
        ("已办结", "closed", ""),
        ("待销号审批", "closure_requested", ""),
        ("已研判", "assessed", ""),
        ("回访中", "following_up", ""),
        ("不清楚", None, ""),
    ],
)
def test_statuses(value, status, target):
    assert ledger.parse_status(value) == (status, target)


CATEGORY_TABLE = ledger.category_table(
    [(code, name, en) for code, name, en, _ in CATEGORIES]
    + [sub for *_, subs in CATEGORIES for sub in subs]
)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("婚恋家庭", "family"),
        ("婚恋家庭纠纷", "family"),
        ("邻里", "neighbour"),
        ("邻里纠纷", "neighbour"),
        ("土地", "land"),
        ("土地山林纠纷", "land"),
        ("债务", "debt"),
        ("经济债务纠纷", "debt"),
        ("劳资", "labour"),
        ("labour", "labour"),
        ("宅基地纠纷", "land.house_plot"),
        ("家庭暴力", "family.domestic_violence"),
        ("征地拆迁纠纷", "requisition"),
        ("医疗纠纷", "medical"),
        ("其它", "other"),
        ("Marriage and family", "family"),
        ("邻里纠纷（排水）", "neighbour"),
        ("宗族矛盾", None),
        ("", None),
    ],
)
def test_categories_by_chinese_name_short_name_or_code(value, code):
    assert ledger.match_category(value, CATEGORY_TABLE) == code


@pytest.mark.parametrize(
    ("value", "names", "count"),
    [
        ("张三、李四", ["张三", "李四"], None),
        ("张三与李四", ["张三", "李四"], None),
        ("张三和李四等12人", ["张三", "李四"], 12),
        ("张三等十二人", ["张三"], 12),
        ("张和平与李四", ["张和平", "李四"], None),
        ("张　三", ["张三"], None),
        ("张三 李四", ["张三", "李四"], None),
        ("张三,李四;王五", ["张三", "李四", "王五"], None),
        ("张三\n李四", ["张三", "李四"], None),
        ("欧阳修（男，45岁）", ["欧阳修"], None),
        ("", [], None),
    ],
)
def test_several_parties_in_one_cell(value, names, count):
    parties, more, odd = ledger.split_parties(value)
    assert [p.name for p in parties] == names and more == count and odd == []


def test_roles_ids_and_phones_written_with_the_names():
    parties, _, _ = ledger.split_parties(
        f"申请人：张三（{fx.ID_ZHANG}，13800138000）；被申请人：李四"
    )
    assert [(p.name, p.role, p.ids, p.phones) for p in parties] == [
        ("张三", "applicant", [fx.ID_ZHANG], ["13800138000"]),
        ("李四", "respondent", [], []),
    ]


def test_prose_in_the_parties_cell_is_not_taken_for_names():
    _, _, odd = ledger.split_parties("张三反映其邻居长期在公共通道堆放杂物导致无法通行")
    assert odd


@pytest.mark.parametrize(
    ("value", "lost"),
    [
        (fx.ID_AS_NUMBER, True),
        (411603199001010000, True),
        ("4.11603199001E+17", True),
        (fx.ID_ZHANG, False),
        (411603900101123, False),  # 15 digits fit in a number
        (None, False),
    ],
)
def test_an_id_stored_as_a_number_has_lost_digits(value, lost):
    assert ledger.id_stored_as_number(value) is lost


def test_id_cells_with_apostrophes_spaces_and_several_numbers():
    assert ledger.split_ids("'" + fx.ID_ZHANG) == [fx.ID_ZHANG]
    spaced = f"{fx.ID_ZHANG[:6]} {fx.ID_ZHANG[6:14]} {fx.ID_ZHANG[14:]}"
    assert ledger.split_ids(spaced) == [fx.ID_ZHANG]
    assert ledger.split_ids(f"{fx.ID_ZHANG}、{fx.ID_LI}") == [fx.ID_ZHANG, fx.ID_LI]
    assert ledger.split_ids(f"{fx.ID_ZHANG} {fx.ID_LI}") == [fx.ID_ZHANG, fx.ID_LI]


@pytest.mark.parametrize(
    ("value", "unit", "amount"),
    [
        ("1.2万元", 1, Decimal("12000")),
        ("约5千元", 1, Decimal("5000")),
        ("¥3,000", 1, Decimal("3000")),
        (3.5, 10_000, Decimal("35000")),
        (800, 1, Decimal("800")),
        ("无", 1, None),
        (None, 1, None),
    ],
)
def test_amounts(value, unit, amount):
    assert ledger.parse_amount(value, unit=unit) == amount


@pytest.mark.parametrize(
    ("value", "count"), [("12人", 12), ("十二人", 12), ("10余人", 10), (3.0, 3), (None, None)]
)
def test_people_counts(value, count):
    assert ledger.parse_count(value) == count


def test_grid_names_compare_loosely():
    assert (
        ledger.grid_key("东村第一网格")
        == ledger.grid_key("东村第1网格")
        == ledger.grid_key("东第1网格")
    )


# --------------------------------------------------------------------------------------------------
# Reading a workbook


def test_the_messy_station_ledger_is_read_case_by_case(tmp_path):
    read = ledger.read_ledger(fx.station_ledger(tmp_path / "东派出所5月.xlsx"), today=TODAY)
    assert read.year == 2022 and "东派出所2022年5月" in read.title
    assert read.columns["parties"] == "姓名" and read.columns["id_number"] == "身份证号"
    assert read.columns["found"] == "排查时间" and read.columns["village"] == "所在村（社区）"
    # Blank, subtotal (合计) and note rows are skipped; 序号 1's second line is a party, not a case.
    assert [r.number for r in read.rows] == list(range(1, 18))
    first = read.rows[0]
    assert [(p.name, p.role, p.id_number, p.phone) for p in first.parties] == [
        ("张三", "applicant", fx.ID_ZHANG, "13800138000"),
        ("李四", "respondent", fx.ID_LI, "13900139000"),
    ]
    by_number = {r.number: r for r in read.rows}
    assert {n: by_number[n].found_at.date() for n in fx.FOUND} == fx.FOUND
    assert by_number[3].people_involved == 12 and by_number[3].amount_involved == Decimal("35000")
    assert by_number[4].parties[0].name == "钱九" and by_number[4].transferred_to == "司法所"
    assert [p.name for p in by_number[6].parties] == ["郑一", "冯二", "陈三"]


def test_a_ledger_without_numbers_counts_sheet_rows(tmp_path):
    path = fx.simple_ledger(
        tmp_path / "l.xlsx",
        ["登记时间", "姓名", "纠纷类型", "基本情况", "地点"],
        [
            ["2022-05-03", "张三", "邻里", "堵路", "东村"],
            [None, None, None, None, None],
            ["小计", None, None, None, None],
            ["2022-05-04", "李四", "债务", "欠款", "东村"],
        ],
        title="东派出所台账",
    )
    read = ledger.read_ledger(path, today=TODAY)
    assert [(r.number, r.numbered) for r in read.rows] == [(3, False), (6, False)]


def test_unreadable_files(tmp_path):
    text = tmp_path / "notes.xlsx"
    text.write_text("序号,当事人\n1,张三\n", encoding="utf-8")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    headless = fx.simple_ledger(tmp_path / "headless.xlsx", ["甲", "乙"], [[1, 2]])
    placeless = fx.simple_ledger(tmp_path / "placeless.xlsx", ["序号", "排查时间", "当事人"], [])
    for path, words in [
        (text, "not an Excel workbook"),
        (old, ".xls"),
        (empty, "empty"),
        (headless, "No header row"),
        (placeless, "place"),
        (tmp_path / "missing.xlsx", "Cannot read"),
    ]:
        with translation.override("en"), pytest.raises(LedgerUnreadable, match=words):
            ledger.read_ledger(path, today=TODAY)


# --------------------------------------------------------------------------------------------------
# Importing


@pytest.fixture
def analyst(county):
    return UserFactory(role=Role.ANALYST, scope_unit=county.bureau)


def _messy(tmp_path, county, name="东派出所5月台账.xlsx"):
    # The 包案民警 of 序号 1 is the village auxiliary officer: the case goes to them.
    return fx.station_ledger(tmp_path / name, officer_name=county.east.auxiliary.display_name)


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Dispute,
            Party,
            Person,
            PersonKey,
            DisputeEvent,
            Task,
            AuditEntry,
            CaseSequence,
        )
    }


def test_an_analyst_imports_the_good_rows_and_rejects_the_bad_ones(tmp_path, county, analyst):
    with translation.override("en"):
        report = ledger_import(actor=analyst, path_or_file=_messy(tmp_path, county), dry_run=False)
    assert report.rows_total == 17
    assert report.imported == fx.IMPORTED
    assert [e.row for e in report.rejected] == list(fx.REJECTED)
    for entry in report.rejected:
        assert entry.message.startswith(f"No. {entry.row}, {fx.REJECTED[entry.row]}: ")
    assert [e.row for e in report.warnings] == fx.WARNED
    assert "is not in 东派出所, the station the ledger's title names" in report.warnings[2].message
    assert "same dispute as No. 2" in report.warnings[3].message

    disputes = {
        d.events.get(action="import").changes["ledger_row"][1]: d
        for d in Dispute.objects.prefetch_related("parties")
    }
    assert sorted(disputes) == fx.IMPORTED
    assert {n: d.status for n, d in disputes.items()} == fx.STATUS
    assert {n: d.level for n, d in disputes.items()} == fx.LEVEL
    assert {
        n: (d.category.code, d.subtype.code if d.subtype else None) for n, d in disputes.items()
    } == fx.CATEGORY
    assert {n: timezone.localtime(disputes[n].found_at).date() for n in fx.FOUND} == fx.FOUND
    assert all(
        d.channel == "ledger_import" and d.registered_by == analyst for d in disputes.values()
    )
    assert disputes[11].grid == county.west.grid and disputes[11].station == county.west.station
    assert all(d.grid == county.east.grid for n, d in disputes.items() if n != 11)
    assert disputes[1].owner == county.east.auxiliary  # named in 包案民警
    assert disputes[3].owner == county.east.officer  # 王警官 is nobody: the sector's officer
    assert disputes[1].title == "张三与李四邻里纠纷"
    assert disputes[3].people_involved == 12 and disputes[3].amount_involved == 35000
    assert disputes[4].transferred_to == "司法所"
    assert disputes[5].closed_at is not None and not disputes[5].tasks.exists()
    assert disputes[7].tasks.filter(kind="assessment").exists()  # open: the level's checklist
    assert disputes[14].tasks.filter(kind="plan").exists()  # red: the written plan
    assert report.cases == {str(n): d.case_number for n, d in disputes.items()}


def test_each_imported_case_has_one_import_event_audit_and_linked_parties(
    tmp_path, county, analyst
):
    path = _messy(tmp_path, county)
    report = ledger_import(actor=analyst, path_or_file=path, dry_run=False)
    dispute = Dispute.objects.get(case_number=report.cases["1"])
    event = dispute.events.get()
    assert (event.action, event.from_status, event.to_status) == ("import", "", "resolved")
    assert path.name in event.note and "1" in event.note
    assert event.changes["ledger_file"] == [None, path.name]
    assert event.changes["ledger_row"] == [None, 1]
    assert len(event.changes["ledger_key"][1]) == 32
    assert AuditEntry.objects.filter(action="disputes.import").count() == len(fx.IMPORTED)
    summary = AuditEntry.objects.get(action="intake.ledger_import")
    assert summary.data["imported"] == len(fx.IMPORTED) and summary.data["file"] == path.name
    parties = list(dispute.parties.all())
    assert [(p.name, p.id_number, p.sex) for p in parties] == [
        ("张三", fx.ID_ZHANG, "M"),
        ("李四", fx.ID_LI, "F"),
    ]
    assert all(p.person_id for p in Party.objects.all())


def test_an_id_stored_as_a_number_is_refused_with_a_warning_and_the_row_imported(
    tmp_path, county, analyst
):
    with translation.override("en"):
        report = ledger_import(actor=analyst, path_or_file=_messy(tmp_path, county), dry_run=False)
    warning = report.warnings[0]
    assert warning.row == 2 and warning.message.startswith("No. 2, 身份证号: ")
    assert "stored as a number" in warning.message and "411603********0000" in warning.message
    dispute = Dispute.objects.get(case_number=report.cases["2"])
    assert [(p.name, p.id_number) for p in dispute.parties.all()] == [("王五", ""), ("赵六", "")]


def test_a_dry_run_writes_nothing_and_reports_the_same(tmp_path, county, analyst):
    path = _messy(tmp_path, county)
    before = _counts()
    dry = ledger_import(actor=analyst, path_or_file=path, dry_run=True)
    assert _counts() == before
    assert dry.dry_run and dry.imported == fx.IMPORTED
    real = ledger_import(actor=analyst, path_or_file=path, dry_run=False)
    assert real.as_json() == dry.as_json()


def test_a_row_that_fails_while_written_writes_nothing_and_the_others_commit(
    tmp_path, county, analyst, monkeypatch
):
    from concord.intake import ledger_import as module

    real_link = module.party_link

    def failing_link(*, party, actor=None):
        if party.name == "褚四":
            raise DatabaseError("disk I/O error")
        return real_link(party=party, actor=actor)

    monkeypatch.setattr(module, "party_link", failing_link)
    with translation.override("en"):
        report = ledger_import(actor=analyst, path_or_file=_messy(tmp_path, county), dry_run=False)
    assert report.imported == [n for n in fx.IMPORTED if n != 7]
    assert [e.row for e in report.rejected] == [7, 8, 9, 10]
    assert "database refused" in report.rejected[0].message
    assert not Party.objects.filter(name__in=["褚四", "卫五", "蒋六", "沈七"]).exists()
    assert Dispute.objects.count() == len(fx.IMPORTED) - 1
    # The failed row's case number was rolled back with it: the numbers have no gap.
    numbers = sorted(
        Dispute.objects.filter(station=county.east.station).values_list("case_number", flat=True)
    )
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, len(numbers) + 1))


def test_importing_the_same_file_twice_imports_nothing_new(tmp_path, county, analyst):
    path = _messy(tmp_path, county)
    first = ledger_import(actor=analyst, path_or_file=path, dry_run=False)
    before = _counts()
    renamed = _messy(tmp_path, county, name="copy of the ledger.xlsx")
    with translation.override("en"):
        second = ledger_import(actor=analyst, path_or_file=renamed, dry_run=False)
    assert second.imported == []
    assert [e.row for e in second.rejected] == list(fx.REJECTED)
    assert [e.row for e in second.warnings] == [*fx.IMPORTED, 17]
    for entry in second.warnings:
        case = first.cases[str(entry.row if entry.row != 17 else 2)]
        assert f"already imported as case {case}" in entry.message
    counts = _counts()
    assert counts.pop("AuditEntry") == before.pop("AuditEntry") + 1  # the import's own summary
    assert counts == before


def test_a_changed_status_is_pointed_out_on_reimport(tmp_path, county, analyst):
    header = ["序号", "排查时间", "当事人", "纠纷类型", "简要情况", "网格", "风险等级", "化解情况"]
    row = [1, "2022-05-03", "张三", "邻里", "堵路", "东村第一网格", "一般", "化解中"]
    ledger_import(
        actor=analyst,
        path_or_file=fx.simple_ledger(tmp_path / "may.xlsx", header, [row]),
        dry_run=False,
    )
    june = fx.simple_ledger(tmp_path / "june.xlsx", header, [[*row[:-1], "已化解"]])
    with translation.override("en"):
        report = ledger_import(actor=analyst, path_or_file=june, dry_run=False)
    assert report.imported == [] and "the case is Mediating" in report.warnings[0].message


def test_a_station_chief_cannot_import_into_another_stations_grid(tmp_path, county):
    with translation.override("en"):
        report = ledger_import(
            actor=county.east.chief, path_or_file=_messy(tmp_path, county), dry_run=False
        )
    assert report.imported == [n for n in fx.IMPORTED if n != 11]
    assert [e.row for e in report.rejected] == [8, 9, 10, 11]
    assert [e.row for e in report.warnings] == [2, 3, 17]
    outside = report.rejected[-1].message
    assert outside.startswith("No. 11, 所在村（社区）: ") and "outside your area" in outside
    assert not Dispute.objects.filter(station=county.west.station).exists()


def test_roles_that_do_not_import_ledgers_are_refused(tmp_path, county):
    path = _messy(tmp_path, county)
    for user in (county.east.grid_worker, county.east.officer, county.commander):
        with pytest.raises(LedgerImportRefused):
            ledger_import(actor=user, path_or_file=path, dry_run=False)
    assert not Dispute.objects.exists()


def test_grid_codes_grid_names_addresses_and_missing_columns(tmp_path, county, analyst):
    path = fx.simple_ledger(
        tmp_path / "places.xlsx",
        ["序号", "发现时间", "当事人", "基本情况", "发生地点"],
        [
            [1, "2022-05-03", "张三", "堵路", county.east.grid.code],
            [2, "2022-05-04", "李四", "噪音", "东村第1网格"],
            [3, "2022-05-05", "王五", "漏水", "测试区东村3组"],
            [4, "2022-05-06", "赵六", "吵架", "西村"],
            [5, "2022-05-07", "孙七", "打架", ""],
            ["序号", "发现时间", "当事人", "基本情况", "发生地点"],  # the header printed again
            [6, "2022-05-08", "周八", "争地", "南山村"],
        ],
    )
    with translation.override("en"):
        report = ledger_import(actor=analyst, path_or_file=path, dry_run=False)
    assert report.imported == [1, 2, 3, 4]
    assert [(e.row, e.message.split(":")[0]) for e in report.rejected] == [
        (5, "No. 5, 发生地点"),
        (6, "No. 6, 发生地点"),
    ]
    # No category or level column: one warning each for the whole file.
    assert [e.row for e in report.warnings] == [None, None]
    grids = [Dispute.objects.get(case_number=report.cases[str(n)]).grid for n in (1, 2, 3, 4)]
    assert grids == [county.east.grid, county.east.grid, county.east.grid, county.west.grid]
    assert {d.category.code for d in Dispute.objects.all()} == {"other"}


def test_concords_own_export_imports_with_no_row_rejected(tmp_path, county, analyst):
    station = county.east.station.code
    rows = [
        [f"{station}-2022-00007", "张三与李四排水沟纠纷", "2022-05-03", "东村第一网格",
         "邻里纠纷", 2, "两家因排水沟争吵", "张三", "黄色（一般）", "已化解"],
        [f"{station}-2022-00008", "王五欠薪", "2022-05-04", "东村第一网格", "劳资纠纷", 5,
         "拖欠工资", "王五", "橙色（较大）", "调处中"],
        [f"{station}-2022-00009", "赵六家庭纠纷", "2022-05-05", "东村第一网格", "婚恋家庭纠纷", 2,
         "夫妻争吵", "赵六", "红色（重大）", "已登记"],
    ]  # fmt: skip
    path = fx.export_ledger(tmp_path / "export.xlsx", rows)
    report = ledger_import(actor=analyst, path_or_file=path, dry_run=False)
    assert report.imported == [2, 3, 4] and report.rejected == [] and report.warnings == []
    assert sorted(report.cases.values()) == [row[0] for row in rows]  # case numbers kept for life
    assert Dispute.objects.get(case_number=rows[2][0]).level == "red"
    # The next case registered at the station continues after the highest kept number.
    assert CaseSequence.objects.get(unit=county.east.station, year=2022).last == 9
    with translation.override("en"):
        again = ledger_import(actor=analyst, path_or_file=path, dry_run=False)
    assert again.imported == [] and [e.row for e in again.warnings] == [2, 3, 4]
    assert "already in the register as case" in again.warnings[0].message


def test_a_ledger_of_the_demo_county(tmp_path, reference_data):
    from concord.accounts.models import User
    from concord.core.demo import load_demo
    from concord.core.demo.county import RESPONSIBILITIES, UNITS, USERS

    load_demo(steps=[UNITS, USERS, RESPONSIBILITIES])
    chief = User.objects.get(username="chief-411603004")  # 白楼派出所
    path = fx.simple_ledger(
        tmp_path / "白楼.xlsx",
        [
            "序号",
            "排查时间",
            "当事人",
            "纠纷类型",
            "简要情况",
            "所在村(社区)",
            "风险等级",
            "化解情况",
        ],
        [
            [1, "5月3日", "张三、李四", "邻里", "排水沟堵塞", "张庄村", "黄", "已化解"],
            [2, "5月8日", "王五与赵六", "宅基地", "宅基地边界", "白楼镇戴楼村3组", "橙", "化解中"],
            [3, "5月9日", "孙七", "债务", "借款未还", "平粮台社区", "一般", ""],
        ],
        title="白楼派出所2022年5月矛盾纠纷排查台账",
    )
    with translation.override("en"):
        report = ledger_import(actor=chief, path_or_file=path, dry_run=False)
    assert report.imported == [1, 2]
    assert [e.row for e in report.rejected] == [3] and "outside your area" in report.rejected[
        0
    ].message
    first = Dispute.objects.get(case_number=report.cases["1"])
    assert first.station.code == "411603004" and first.grid.parent.name == "张庄村"
    assert timezone.localtime(first.found_at).date() == dt.date(2022, 5, 3)
    second = Dispute.objects.get(case_number=report.cases["2"])
    assert second.grid.parent.name == "戴楼村" and second.subtype.code == "land.house_plot"


def test_applicants_and_respondents_under_their_own_merged_headers(tmp_path):
    path = fx.two_row_ledger(
        tmp_path / "sides.xlsx",
        ["序号", "登记日期", "申请人", None, "被申请人", None, "纠纷类型", "地点"],
        [None, None, "姓名", "身份证号码", "姓名", "身份证号码", None, None],
        ["A1:A2", "B1:B2", "C1:D1", "E1:F1", "G1:G2", "H1:H2"],
        [
            [1, "2022-05-03", "张三", fx.ID_ZHANG, "李四、王五", f"{fx.ID_LI}", "邻里", "东村"],
            [1, "2022-05-04", "赵六", None, "孙七", None, "债务", "东村"],
        ],
    )
    with translation.override("en"):
        read = ledger.read_ledger(path, today=TODAY)
    assert read.columns["parties_b"] == "姓名" and read.columns["id_number_b"] == "身份证号码"
    first, second = read.rows
    assert [(p.name, p.role, p.id_number) for p in first.parties] == [
        ("张三", "applicant", fx.ID_ZHANG),
        ("李四", "respondent", fx.ID_LI),
        ("王五", "respondent", ""),
    ]
    assert first.people_involved == 3
    with translation.override("en"):
        assert [str(w) for w in second.warnings] == [
            "序号: this number is also used on sheet row 3; this is sheet row 4."
        ]


def test_the_ledger_sheet_is_found_among_others(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["请按要求填写本台账"])
    for title in ("5月", "6月"):
        ws = wb.create_sheet(title)
        ws.append(["序号", "排查时间", "当事人", "简要情况", "所在村"])
        ws.append([1, "2022-05-03", "张三", "堵路", "东村"])
        ws.append(["总计", None, "1件", None, None])
    wb.save(tmp_path / "book.xlsx")
    with translation.override("en"):
        read = ledger.read_ledger(tmp_path / "book.xlsx", today=TODAY)
        assert read.sheet == "5月" and [r.number for r in read.rows] == [1]
        assert [str(w) for w in read.warnings] == [
            "Sheet “6月” was not read; only sheet “5月” was. Import one sheet per file."
        ]


def test_a_workbook_written_by_xlsxwriter_like_concords_export(tmp_path, county, analyst):
    path = fx.xlsxwriter_ledger(
        tmp_path / "export.xlsx",
        fx.EXPORT_HEADER,
        [
            [
                "",
                "排水沟纠纷",
                dt.date(2022, 5, 3),
                "东村第一网格",
                "邻里纠纷",
                2,
                "两家争吵",
                "张三",
                "黄色（一般）",
                "已登记",
            ],
        ],  # fmt: skip
    )
    report = ledger_import(actor=analyst, path_or_file=path, dry_run=False)
    assert report.imported == [2] and report.rejected == []
    dispute = Dispute.objects.get()
    assert dispute.title == "排水沟纠纷" and dispute.began_on == dt.date(2022, 5, 3)
    assert timezone.localtime(dispute.found_at).date() == dt.date(2022, 5, 3)
