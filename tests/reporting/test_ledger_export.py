"""The standard ledger export (reporting.ledger_export): its headers, its rows, masking, the audit,
the list page's button, and the round trip through `ledger_import`."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from concord.accounts.models import Role
from concord.audit.models import AuditEntry
from concord.disputes.models import Category, Dispute, DisputeEvent, Status
from concord.disputes.selectors import DisputeFilters
from concord.disputes.services import PartyInput
from concord.intake import ledger
from concord.intake.ledger_import import ledger_import
from concord.mediation.models import FollowUpVisit, Referral
from concord.reporting import ledger_export as export_module
from concord.reporting.ledger_export import (
    HEADERS,
    LedgerExportRefused,
    ledger_export,
)
from tests.factories import UserFactory, mediation_body, register_dispute
from tests.intake.ledger_fixtures import valid_id

pytestmark = pytest.mark.django_db

GB_T_31000 = [
    "事件名称",
    "发生日期",
    "地点",
    "事件规模",
    "事件类型",
    "涉及人数",
    "简述",
    "涉及单位",
    "主要当事人",
    "化解时限",
    "化解方式",
    "化解组织",
    "责任人及电话",
    "化解是否成功",
    "化解情况",
    "考评日期",
    "考评意见",
    "经纬度",
    "处理状态",
]
CONCORD_OWN = ["案件编号", "风险等级", "来源渠道", "包案领导", "回访情况"]

ID_ZHANG = valid_id("41160319850312001")
ID_LI = valid_id("41160319900101002")
ID_WANG = valid_id("41160319780823003")


# --------------------------------------------------------------------------------------------------
# A county with cases in several statuses, levels and categories


def _ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _event(dispute, action, *, to_status="", days, note="", actor=None):
    DisputeEvent.objects.create(
        dispute=dispute, actor=actor, at=_ago(days), action=action, to_status=to_status, note=note
    )


def build_cases(county) -> dict[str, Dispute]:
    """Six cases: registered, mediating (referred), closed (mediated, visited, approved), red with a
    leader, contained in the west, reopened after closure."""
    east, west = county.east, county.west
    east.officer.phone = "13912345678"
    east.officer.save()
    cases: dict[str, Dispute] = {}
    cases["registered"] = register_dispute(
        east,
        title="张庄两户排水沟纠纷",
        category="neighbour",
        description="两家因排水沟堵塞发生争吵。",
        found_at=_ago(3),
        began_on=timezone.localdate() - dt.timedelta(days=5),
        parties=[
            PartyInput(name="张三", role="applicant", id_number=ID_ZHANG, phone="13800138000"),
            PartyInput(name="李四", role="respondent", id_number=ID_LI, phone="13900139000"),
        ],
    )
    cases["mediating"] = register_dispute(
        east,
        title="宅基地边界争议",
        category="land",
        subtype=Category.objects.get(code="land.house_plot"),
        level="orange",
        found_at=_ago(20),
        parties=[PartyInput(name="王五", role="applicant", id_number=ID_WANG)],
    )
    cases["closed"] = register_dispute(
        east,
        title="工地拖欠工资",
        category="labour",
        found_at=_ago(60),
        people_involved=12,
        channel="police_call",
        parties=[
            PartyInput(name="赵六", role="applicant", phone="13700137000"),
            PartyInput(name="某建筑公司", role="respondent"),
            PartyInput(name="钱七", role="other"),
        ],
    )
    cases["red"] = register_dispute(
        east,
        title="=扬言同归于尽的婚姻纠纷",  # a title that looks like a formula stays text
        category="family",
        level="red",
        found_at=_ago(2),
        people_involved=35,
        parties=[PartyInput(name="孙八", role="applicant"), PartyInput(name="周九")],
    )
    cases["contained"] = register_dispute(
        west,
        title="借款到期未还",
        category="debt",
        level="orange",
        found_at=_ago(30),
        parties=[PartyInput(name="吴十", role="applicant")],
    )
    cases["reopened"] = register_dispute(
        east,
        title="噪音扰民再次发生",
        category="neighbour",
        found_at=_ago(90),
        parties=[PartyInput(name="郑一", role="applicant")],
    )
    chief = east.chief
    peoples = mediation_body(east.station, name="东镇人民调解委员会")
    department = mediation_body(east.station, name="县人社局劳动监察大队", kind="department")

    def refer(dispute, body, state, days):
        Referral.objects.create(
            dispute=dispute,
            body=body,
            route="police",
            kind=body.mediation_kind,
            state=state,
            due_at=_ago(days - 10),
            referred_by=chief,
            referred_at=_ago(days),
        )

    Dispute.objects.filter(pk=cases["mediating"].pk).update(status=Status.MEDIATING)
    refer(cases["mediating"], department, Referral.State.ACCEPTED, 15)
    refer(cases["mediating"], peoples, Referral.State.WITHDRAWN, 16)  # withdrawn: not counted

    closed = cases["closed"]
    Dispute.objects.filter(pk=closed.pk).update(
        status=Status.CLOSED, outcome_note="双方达成协议，工资已结清", closed_at=_ago(10)
    )
    refer(closed, peoples, Referral.State.SUCCEEDED, 50)
    _event(closed, "record_outcome", to_status=Status.RESOLVED, days=40, note="已化解")
    FollowUpVisit.objects.create(
        dispute=closed,
        visited_at=_ago(30),
        visited_by=east.officer,
        method="phone",
        met_with="赵六",
        matter_settled=True,
        grievance_settled=False,
        note="工资已到账，仍有怨气",
    )
    FollowUpVisit.objects.create(
        dispute=closed,
        visited_at=_ago(15),
        visited_by=east.officer,
        method="in_person",
        met_with="赵六",
        matter_settled=True,
        grievance_settled=True,
        note="事心双解",
    )
    _event(closed, "approve_closure", to_status=Status.CLOSED, days=10, note="处置规范，同意销号")

    Dispute.objects.filter(pk=cases["red"].pk).update(
        status=Status.ASSIGNED, lead_leader=county.commander
    )
    Dispute.objects.filter(pk=cases["contained"].pk).update(
        status=Status.FOLLOWING_UP, outcome_note="双方情绪稳定，约定分期还款"
    )
    _event(cases["contained"], "record_outcome", to_status=Status.CONTAINED, days=25)

    reopened = cases["reopened"]
    Dispute.objects.filter(pk=reopened.pk).update(status=Status.REOPENED)
    _event(reopened, "record_outcome", to_status=Status.RESOLVED, days=80)
    _event(reopened, "approve_closure", to_status=Status.CLOSED, days=60, note="同意销号")
    _event(reopened, "reopen", to_status=Status.REOPENED, days=5, note="再次发生")
    return {name: Dispute.objects.get(pk=d.pk) for name, d in cases.items()}


@pytest.fixture
def cases(county):
    return build_cases(county)


@pytest.fixture
def analyst(county):
    return UserFactory(role=Role.ANALYST, scope_unit=county.bureau)


def export_rows(source, *, header_row: int = 2) -> tuple[list[str], list[dict]]:
    """The header and the rows of an exported workbook, each row as {header: value}."""
    book = load_workbook(source)
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    header = values[header_row - 1]
    return header, [dict(zip(header, row, strict=True)) for row in values[header_row:]]


def _by_case(rows: list[dict]) -> dict[str, dict]:
    return {row["案件编号"]: row for row in rows}


# --------------------------------------------------------------------------------------------------
# Headers and rows


def test_headers_are_gbt_31000_in_order_then_concords_own(tmp_path, county, cases):
    result = ledger_export(actor=county.commander, filters=None, output=tmp_path / "l.xlsx")
    header, rows = export_rows(tmp_path / "l.xlsx")
    assert header == list(HEADERS)
    assert header == ["序号", *GB_T_31000, *CONCORD_OWN, "登记时间", "网格", "所在村(社区)"]
    assert result.rows == len(rows) == 6
    assert [row["序号"] for row in rows] == [1, 2, 3, 4, 5, 6]
    # Newest found first, as on the list page.
    assert [row["案件编号"] for row in rows] == [
        d.case_number for d in sorted(cases.values(), key=lambda d: d.found_at, reverse=True)
    ]
    sheet = load_workbook(tmp_path / "l.xlsx").active
    assert sheet.freeze_panes == "C3"
    assert sheet["A2"].font.b
    assert "矛盾纠纷台账" in sheet["A1"].value


def test_every_header_is_read_by_the_importer_as_meant_or_ignored():
    meant = {
        "序号": ledger.NUMBER,
        "事件名称": ledger.TITLE,
        "发生日期": ledger.BEGAN,
        "地点": ledger.PLACE,
        "事件类型": ledger.CATEGORY,
        "涉及人数": ledger.PEOPLE,
        "简述": ledger.DESCRIPTION,
        "主要当事人": ledger.PARTIES,
        "责任人及电话": ledger.OWNER,
        "化解情况": ledger.STATUS,  # a narrative column: 处理状态 wins over it (below)
        "处理状态": ledger.STATUS,
        "案件编号": ledger.CASE_NUMBER,
        "风险等级": ledger.LEVEL,
        "登记时间": ledger.FOUND,
        "网格": ledger.GRID,
        "所在村(社区)": ledger.VILLAGE,
    }
    assert {h: ledger.header_field(h) for h in HEADERS} == {h: meant.get(h) for h in HEADERS}


def test_the_columns_of_each_case(tmp_path, county, cases):
    ledger_export(actor=county.commander, filters=None, output=tmp_path / "l.xlsx")
    rows = _by_case(export_rows(tmp_path / "l.xlsx")[1])
    east = county.east

    first = rows[cases["registered"].case_number]
    assert first["事件名称"] == "张庄两户排水沟纠纷"
    assert first["发生日期"] == dt.datetime.combine(cases["registered"].began_on, dt.time())
    assert first["地点"] == f"{east.station.name} {east.village.name} {east.grid.name}"
    assert (first["事件规模"], first["涉及人数"], first["事件类型"]) == ("一般", 2, "邻里纠纷")
    assert first["简述"] == "两家因排水沟堵塞发生争吵。"
    assert first["涉及单位"] == east.station.name
    # Masked: the region code and the last four of an ID number, 3+4 digits of a mobile.
    assert first["主要当事人"] == (
        f"申请人：张三（{ID_ZHANG[:6]}********{ID_ZHANG[-4:]}，138****8000）；"
        f"被申请人：李四（{ID_LI[:6]}********{ID_LI[-4:]}，139****9000）"
    )
    assert first["责任人及电话"] == f"{east.officer.display_name}（139****5678）"
    due = cases["registered"].tasks.get(kind="closure").due_at
    assert first["化解时限"] == timezone.localtime(due).replace(tzinfo=None, microsecond=0)
    assert [first[h] for h in ("化解方式", "化解组织", "化解是否成功", "考评日期")] == [None] * 4
    lng = (east.grid.min_lng + east.grid.max_lng) / 2
    lat = (east.grid.min_lat + east.grid.max_lat) / 2
    assert first["经纬度"] == f"{lng:.6f},{lat:.6f}"
    assert (first["处理状态"], first["风险等级"], first["来源渠道"]) == (
        "已登记",
        "黄色（一般）",
        "网格员上报",
    )
    assert first["登记时间"] == timezone.localtime(cases["registered"].found_at).replace(
        tzinfo=None, microsecond=0
    )
    assert (first["网格"], first["所在村(社区)"]) == (east.grid.code, east.village.name)

    mediating = rows[cases["mediating"].case_number]
    assert mediating["事件类型"] == "宅基地纠纷"  # the sub-type, which names its category
    assert (mediating["化解方式"], mediating["化解组织"]) == ("行政调解", "县人社局劳动监察大队")
    assert mediating["化解是否成功"] is None and mediating["处理状态"] == "调处中"

    closed = rows[cases["closed"].case_number]
    assert (closed["事件规模"], closed["来源渠道"]) == ("较大", "110警情")
    assert closed["主要当事人"] == "申请人：赵六（137****7000）；被申请人：某建筑公司；当事人：钱七"
    assert (closed["化解方式"], closed["化解组织"]) == ("人民调解", "东镇人民调解委员会")
    assert (closed["化解是否成功"], closed["化解情况"]) == ("是", "双方达成协议，工资已结清")
    assert closed["考评日期"].date() == timezone.localdate(_ago(10))
    assert closed["考评意见"] == "处置规范，同意销号"
    assert closed["回访情况"] == f"{timezone.localdate(_ago(15)):%Y-%m-%d} 事了，心结已解；共2次"
    assert closed["处理状态"] == "已销号"

    red = rows[cases["red"].case_number]
    assert red["事件名称"] == "=扬言同归于尽的婚姻纠纷"
    assert (red["事件规模"], red["风险等级"]) == ("重大", "红色（重大）")
    assert red["包案领导"] == county.commander.display_name

    contained = rows[cases["contained"].case_number]
    assert (contained["化解是否成功"], contained["化解方式"]) == ("否", "当场化解")
    assert contained["涉及单位"] == county.west.station.name

    reopened = rows[cases["reopened"].case_number]  # what came before the reopening is gone
    assert [reopened[h] for h in ("化解是否成功", "考评日期", "考评意见")] == [None] * 3
    assert reopened["处理状态"] == "已重启"


def test_a_title_that_looks_like_a_formula_is_written_as_text(tmp_path, county, cases):
    ledger_export(actor=county.commander, filters=None, output=tmp_path / "l.xlsx")
    sheet = load_workbook(tmp_path / "l.xlsx").active
    titles = [sheet.cell(r, 2) for r in range(3, sheet.max_row + 1)]
    formula = next(c for c in titles if str(c.value).startswith("="))
    assert formula.data_type == "s"


def test_the_export_sees_what_the_list_page_sees(tmp_path, county, cases):
    chief = county.east.chief
    filters = DisputeFilters(level="orange")
    ledger_export(actor=chief, filters=filters, output=tmp_path / "l.xlsx")
    _, rows = export_rows(tmp_path / "l.xlsx")
    assert [r["案件编号"] for r in rows] == [cases["mediating"].case_number]  # not the west's


def test_queries_do_not_grow_with_the_rows(tmp_path, county, monkeypatch):
    def count(n: int) -> int:
        for i in range(n):
            register_dispute(
                county.east,
                title=f"纠纷{i}",
                parties=[PartyInput(name="张三"), PartyInput(name="李四")],
            )
        with CaptureQueriesContext(connection) as queries:
            ledger_export(actor=county.commander, filters=None, output=io.BytesIO())
        Dispute.objects.all().delete()
        return len(queries)

    assert count(2) == count(9)
    # Chunks: each chunk fetches its own parties, referrals, visits, steps and tasks.
    monkeypatch.setattr(export_module, "CHUNK", 3)
    one_chunk_more = count(9) - count(3)
    assert one_chunk_more == 2 * 5


def test_rows_in_several_chunks_are_the_same_rows(tmp_path, county, cases, monkeypatch):
    ledger_export(actor=county.commander, filters=None, output=tmp_path / "one.xlsx")
    monkeypatch.setattr(export_module, "CHUNK", 4)
    ledger_export(actor=county.commander, filters=None, output=tmp_path / "two.xlsx")

    def without_title(path):
        return export_rows(path)[1]

    assert without_title(tmp_path / "one.xlsx") == without_title(tmp_path / "two.xlsx")


# --------------------------------------------------------------------------------------------------
# Masking and the audit


def test_every_export_is_audited_with_its_filters_and_row_count(tmp_path, county, cases):
    filters = DisputeFilters(level="yellow", found_from=timezone.localdate() - dt.timedelta(days=7))
    result = ledger_export(
        actor=county.commander, filters=filters, output=tmp_path / "y.xlsx", via="command"
    )
    entry = AuditEntry.objects.get(action="reporting.ledger_export")
    assert entry.actor == county.commander and entry.unit == county.bureau
    assert entry.data == {
        "filters": {"level": "yellow", "found_from": filters.found_from.isoformat()},
        "rows": result.rows,
        "unmasked": False,
        "reason": "",
        "via": "command",
        "file": "y.xlsx",
    }
    assert result.rows == 1  # the registered yellow case of three days ago


def test_unmasked_only_for_roles_that_need_it_with_a_reason(tmp_path, county, cases, analyst):
    with pytest.raises(LedgerExportRefused):
        ledger_export(
            actor=county.east.chief,
            filters=None,
            output=tmp_path / "a.xlsx",
            unmasked=True,
            reason="核查",
        )
    with pytest.raises(LedgerExportRefused):
        ledger_export(actor=analyst, filters=None, output=tmp_path / "a.xlsx", unmasked=True)
    assert not list(tmp_path.iterdir())  # nothing written, not even a part file
    assert not AuditEntry.objects.filter(action="reporting.ledger_export").exists()

    ledger_export(
        actor=analyst,
        filters=None,
        output=tmp_path / "a.xlsx",
        unmasked=True,
        reason="法院调取证据",
    )
    rows = _by_case(export_rows(tmp_path / "a.xlsx")[1])
    assert rows[cases["registered"].case_number]["主要当事人"] == (
        f"申请人：张三（{ID_ZHANG}，13800138000）；被申请人：李四（{ID_LI}，13900139000）"
    )
    entry = AuditEntry.objects.get(action="reporting.ledger_export")
    assert (entry.data["unmasked"], entry.data["reason"]) == (True, "法院调取证据")


def test_a_user_without_an_area_is_refused(tmp_path, county):
    nobody = UserFactory(role=Role.ANALYST, scope_unit=None)
    with pytest.raises(LedgerExportRefused):
        ledger_export(actor=nobody, filters=None, output=tmp_path / "a.xlsx")


# --------------------------------------------------------------------------------------------------
# The round trip


def test_a_dry_run_import_of_the_export_rejects_no_row(tmp_path, county, cases, analyst):
    ledger_export(actor=county.commander, filters=None, output=tmp_path / "l.xlsx")
    with translation.override("en"):
        report = ledger_import(actor=analyst, path_or_file=tmp_path / "l.xlsx", dry_run=True)
    assert report.rows_total == 6 and report.rejected == [] and report.imported == []
    by_row = {e.row: e.message for e in report.warnings if e.row is not None}
    _, rows = export_rows(tmp_path / "l.xlsx")
    assert by_row == {
        row["序号"]: f"No. {row['序号']}, already in the register as case {row['案件编号']}; "
        "not imported again."
        for row in rows
    }
    # The one file-level warning: the narrative 化解情况 is not read as the status.
    assert [e.message for e in report.warnings if e.row is None] == [
        "化解情况: this column was not read: column “处理状态” already gives the same information."
    ]


def _empty_the_register():
    Dispute.objects.update(assessment=None)
    Dispute.objects.all().delete()


FACTS = (
    "title",
    "level",
    "category",
    "subtype",
    "status",
    "grid",
    "found_at",
    "began_on",
    "description",
    "owner",
    "parties",
)


def _facts(dispute: Dispute) -> tuple:
    return (
        dispute.title,
        dispute.level,
        dispute.category.code,
        dispute.subtype.code if dispute.subtype else None,
        dispute.status,
        dispute.grid.code,
        timezone.localtime(dispute.found_at).replace(microsecond=0),
        # 发生日期 is the day it began, else the day it was found: it comes back as such.
        dispute.began_on or timezone.localdate(dispute.found_at),
        dispute.description,
        dispute.owner_id,
        [(p.name, p.role) for p in dispute.parties.order_by("id")],
    )


@pytest.mark.parametrize("unmasked", [False, True])
def test_the_export_imports_into_an_empty_register_as_the_same_cases(
    tmp_path, county, cases, analyst, unmasked
):
    before = {d.case_number: _facts(d) for d in cases.values()}
    people = {
        d.case_number: [(p.name, p.id_number, p.phone) for p in d.parties.order_by("id")]
        for d in cases.values()
    }
    ledger_export(
        actor=analyst,
        filters=None,
        output=tmp_path / "l.xlsx",
        unmasked=unmasked,
        reason="迁移" if unmasked else "",
    )
    _empty_the_register()

    report = ledger_import(actor=analyst, path_or_file=tmp_path / "l.xlsx", dry_run=False)

    assert report.rejected == [] and report.imported == [1, 2, 3, 4, 5, 6]
    after = {d.case_number: _facts(d) for d in Dispute.objects.all()}
    # Roles come back as written; "其他当事人" is read as a respondent (ledgers have no third side).
    expected = {
        number: (*facts[:-1], [(n, "respondent" if r == "other" else r) for n, r in facts[-1]])
        for number, facts in before.items()
    }
    assert set(after) == set(expected)
    for number, facts in expected.items():
        assert dict(zip(FACTS, after[number], strict=True)) == dict(
            zip(FACTS, facts, strict=True)
        ), number
    for dispute in Dispute.objects.all():
        parties = [(p.name, p.id_number, p.phone) for p in dispute.parties.order_by("id")]
        if unmasked:
            assert parties == people[dispute.case_number]
        else:  # masked data is withheld data: names only
            assert parties == [(name, "", "") for name, _id, _phone in people[dispute.case_number]]


# --------------------------------------------------------------------------------------------------
# What the importer learnt for it (intake.ledger)


def test_a_status_column_proper_wins_over_a_narrative_one(tmp_path):
    from tests.intake.ledger_fixtures import simple_ledger

    path = simple_ledger(
        tmp_path / "l.xlsx",
        ["序号", "登记时间", "当事人", "所在村", "化解情况", "处理状态"],
        [[1, "2022-05-03", "张三", "东村", "双方签订协议，赔偿2000元", "已销号"]],
    )
    read = ledger.read_ledger(path, today=dt.date(2022, 6, 1))
    assert read.columns[ledger.STATUS] == "处理状态"
    assert read.rows[0].status == Status.CLOSED
    alone = simple_ledger(
        tmp_path / "m.xlsx",
        ["序号", "登记时间", "当事人", "所在村", "化解情况"],
        [[1, "2022-05-03", "张三", "东村", "已化解"]],
    )
    assert ledger.read_ledger(alone, today=dt.date(2022, 6, 1)).rows[0].status == Status.RESOLVED


def test_the_officer_is_named_without_their_phone(tmp_path):
    from tests.intake.ledger_fixtures import simple_ledger

    path = simple_ledger(
        tmp_path / "l.xlsx",
        ["序号", "登记时间", "当事人", "所在村", "责任人及电话"],
        [[1, "2022-05-03", "张三", "东村", "王明（138****1234）"]],
    )
    assert ledger.read_ledger(path, today=dt.date(2022, 6, 1)).rows[0].owner_text == "王明"


def test_masked_id_numbers_are_withheld_not_wrong(tmp_path):
    from tests.intake.ledger_fixtures import simple_ledger

    masked = f"{ID_ZHANG[:6]}********{ID_ZHANG[-4:]}"
    assert ledger.split_ids(f"{masked}、{ID_LI}") == ["", ID_LI]
    parties, _, odd = ledger.split_parties(f"申请人：张三（{masked}，138****8000）；被申请人：李四")
    assert [(p.name, p.ids, p.phones) for p in parties] == [("张三", [], []), ("李四", [], [])]
    assert odd == []
    path = simple_ledger(
        tmp_path / "l.xlsx",
        ["序号", "登记时间", "当事人", "身份证号", "所在村"],
        [[1, "2022-05-03", "张三、李四", f"4127**********1234\n{ID_LI}", "东村"]],
    )
    with translation.override("en"):
        row = ledger.read_ledger(path, today=dt.date(2022, 6, 1)).rows[0]
        assert row.errors == []
        assert [str(w) for w in row.warnings] == [
            "身份证号: 1 ID number is masked (withheld); it was left out."
        ]
    assert [(p.name, p.id_number) for p in row.parties] == [("张三", ""), ("李四", ID_LI)]


# --------------------------------------------------------------------------------------------------
# The web: the list page's button


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_button_exports_exactly_the_filtered_list(client, county, cases):
    client.force_login(county.commander)
    page = client.get(reverse("dispute_list"), {"level": "red", "page": "1"})
    assert f'href="{reverse("ledger_export")}?level=red"' in page.content.decode()

    response = client.get(reverse("ledger_export"), {"level": "red"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".xlsx" in response["Content-Disposition"]
    _, rows = export_rows(io.BytesIO(_download(response)))
    assert [r["案件编号"] for r in rows] == [cases["red"].case_number]
    entry = AuditEntry.objects.get(action="reporting.ledger_export")
    assert entry.actor == county.commander
    assert (entry.data["filters"], entry.data["rows"], entry.data["via"]) == (
        {"level": "red"},
        1,
        "web",
    )
    assert entry.data["unmasked"] is False


def test_without_filters_the_button_exports_the_whole_list(client, county, cases):
    client.force_login(county.east.chief)
    page = client.get(reverse("dispute_list"))
    assert f'href="{reverse("ledger_export")}"' in page.content.decode()
    _, rows = export_rows(io.BytesIO(_download(client.get(reverse("ledger_export")))))
    assert len(rows) == 5  # the east station's cases, not the west's


def test_the_export_needs_a_login(client):
    response = client.get(reverse("ledger_export"))
    assert response.status_code == 302 and "login" in response.url


def test_a_user_without_an_area_gets_no_export(client, county):
    client.force_login(UserFactory(role=Role.ANALYST, scope_unit=None))
    assert client.get(reverse("ledger_export")).status_code == 403
    assert not AuditEntry.objects.filter(action="reporting.ledger_export").exists()
