"""`concord scan-calls FILE [--summary SUMMARY.json]` (DESIGN §6): police calls become leads."""

import csv
import datetime as dt
import io
import json
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from bench.calls_generator import CHINESE_COLUMNS, COLUMNS, generate_calls, write_csv, write_xlsx
from concord.core.demo import load_demo
from concord.core.demo.county import UNITS
from concord.disputes.models import Category
from concord.disputes.services import PartyInput, dispute_register
from concord.intake import classifier as classifier_module
from concord.intake.classifier import Prediction
from concord.intake.models import Lead
from concord.intake.repeats import specific_address, tidy_address
from concord.people.models import Person, PersonKey
from concord.risk.signals import text_signals
from concord.territory.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

SUMMARY_KEYS = {
    "calls",
    "disputes",
    "leads_created",
    "repeats",
    "by_category",
    "by_flag",
    "seconds",
}
YEAR = dt.timedelta(days=365)


# --- a stand-in classifier (the tests' own; the real one is tested at the end) -------------------

KEYWORDS = (
    ("扬言", "family"),
    ("邻居", "neighbour"),
    ("丈夫", "family"),
    ("宅基地", "land"),
    ("欠", "debt"),
    ("工资", "labour"),
)


class StandIn:
    """Knows the truth of generated calls; reads handwritten ones by a few words. Flags and people
    come from the lexicon, as the real classifier's do."""

    def __init__(self, truth: dict[str, str] | None = None) -> None:
        self.truth = truth or {}

    def predict(self, texts):
        out = []
        for text in texts:
            category = self.truth.get(text) or next(
                (c for word, c in KEYWORDS if word in text), "none"
            )
            signals = text_signals(text)
            out.append(
                Prediction(
                    is_dispute=category != "none",
                    category=category,
                    confidence=0.9,
                    flags=tuple(sorted(signals.flags)),
                    people=signals.people,
                )
            )
        return out


@pytest.fixture
def territory(reference_data):
    load_demo(steps=[UNITS])


@pytest.fixture
def stand_in(monkeypatch):
    model = StandIn()
    monkeypatch.setattr(classifier_module, "get_classifier", lambda: model)
    return model


def scan(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("scan_calls", str(path), *args, stdout=out, stderr=err)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(summary) >= SUMMARY_KEYS
    return summary, err.getvalue()


def write_rows(path, rows, header=CHINESE_COLUMNS, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def village_of(station_name: str) -> Unit:
    return (
        Unit.objects.filter(kind=UnitKind.VILLAGE, parent__parent__name=station_name)
        .order_by("code")
        .first()
    )


def station_code(lead: Lead) -> str:
    return Unit.objects.get(pk=lead.station_id).code


# --- what the scan should make of generated calls, worked out independently ---------------------


def expected(calls):
    """The summary and the leads, from the generator's truth: the category, the place, the caller's
    phone and address; repeats counted pairwise over the file (three in twelve months)."""
    good = [c for c in calls if not c.bad]
    disputes = [c for c in good if c.category != "none"]
    kept = [c for c in disputes if c.station_code]
    leads = {}
    by_flag: Counter[str] = Counter()
    repeats = 0
    for c in disputes:
        address = specific_address(c.address) if c.door_address else ""
        earlier = [
            k
            for k in kept
            if k is not c
            and c.received_at - YEAR < k.received_at <= c.received_at
            and (
                (c.phone and k.phone == c.phone)
                or (
                    address
                    and k.door_address
                    and tidy_address(k.address) == address
                    and k.village_code == c.village_code
                )
            )
        ]
        flags = set(text_signals(c.text).flags)
        if len(earlier) + 1 >= 3:
            flags.add("repeat")
        by_flag.update(flags)
        repeats += "repeat" in flags
        if c.station_code:
            leads[c.call_id] = (c, flags)
    summary = {
        "calls": len(calls),
        "bad_rows": len(calls) - len(good),
        "disputes": len(disputes),
        "leads_created": len(kept),
        "unplaced": len(disputes) - len(kept),
        "repeats": repeats,
        "by_category": dict(Counter(c.category for c in disputes)),
        "by_flag": dict(by_flag),
    }
    return summary, leads


def check_leads(leads):
    made = {lead.source_ref: lead for lead in Lead.objects.select_related("grid__parent")}
    assert set(made) == set(leads)
    for call_id, (call, flags) in leads.items():
        lead = made[call_id]
        assert (lead.channel, lead.source_system) == ("police_call", "110")
        assert lead.category == call.category and lead.is_dispute
        assert station_code(lead) == call.station_code
        if call.village_code:
            assert lead.grid.parent.code == call.village_code
        else:
            assert lead.grid is None
        assert set(lead.flags) == flags
        assert lead.priority == {"red": 3, "orange": 2, "yellow": 1}[lead.level]
        assert lead.reporter_phone == call.phone or (not call.phone and not lead.reporter_phone)


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_generated_calls_give_the_summary_and_leads_they_should(
    territory, stand_in, tmp_path, form
):
    calls = list(generate_calls(300, seed=7, bad_share=0.03))
    stand_in.truth = {c.text: c.category for c in calls}
    if form == "csv":
        path = tmp_path / "calls.csv"
        write_csv(path, calls)
    else:
        path = tmp_path / "calls.xlsx"
        write_xlsx(path, calls, chinese_headers=True, title="淮阳分局110警情（测试）")
    want, leads = expected(calls)
    assert want["bad_rows"] and want["repeats"] and want["unplaced"]  # the file tests them all

    summary, stderr = scan(path, "--summary", str(tmp_path / "summary.json"))
    assert {k: summary[k] for k in want} == want
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == summary
    check_leads(leads)
    bad = [c for c in calls if c.bad]
    lines = stderr.splitlines()[: len(bad)]
    reported = [int(re.search(r"\d+", line).group(0)) for line in lines]
    first_data_row = 3 if form == "xlsx" else 2  # a title row above the XLSX header
    assert [calls.index(c) + first_data_row for c in bad] == reported

    again, _ = scan(path)
    assert again["leads_created"] == 0
    assert {k: v for k, v in again.items() if k not in ("seconds", "leads_created")} == {
        k: v for k, v in summary.items() if k not in ("seconds", "leads_created")
    }
    assert Lead.objects.count() == len(leads)


def test_a_small_batch_gives_the_same_result(territory, stand_in, tmp_path):
    calls = list(generate_calls(200, seed=11))
    stand_in.truth = {c.text: c.category for c in calls}
    path = write_csv(tmp_path / "calls.csv", calls) and tmp_path / "calls.csv"
    want, leads = expected(calls)
    summary, _ = scan(path, "--batch-size", "7")
    assert {k: summary[k] for k in want} == want
    check_leads(leads)


def test_a_caller_with_three_dispute_calls_is_a_repeat_on_the_third(territory, stand_in, tmp_path):
    village = village_of("白楼派出所")
    place = f"白楼镇{village.name}"  # no door number: only the phone can tie the calls together
    # fmt: off
    rows = [
        ["J1", "2026-01-05 09:00:00", "王建国", "13812345678", place, "报警人称与邻居因排水沟发生争吵"],
        ["J2", "2026-02-10 20:15:00", "王建国", "138-1234-5678", place, "报警人称邻居把水沟堵了，水流进院子"],
        ["J3", "2026-02-20 08:00:00", "王建国", "+86 13812345678", place, "报警人称电动车被盗"],
        ["J4", "2026-03-01 21:30:00", "王先生", "138 1234 5678", place, "报警人称邻居往其门口倒垃圾"],
        ["J5", "2026-03-02 10:00:00", "李四", "13900000000", place, "报警人称与邻居因过道发生争执"],
    ]
    # fmt: on
    summary, _ = scan(write_rows(tmp_path / "calls.csv", rows))
    assert summary["calls"] == 5 and summary["disputes"] == 4 and summary["leads_created"] == 4
    assert summary["repeats"] == 1 and summary["by_flag"] == {"repeat": 1}
    leads = {lead.source_ref: lead for lead in Lead.objects.all()}
    assert "J3" not in leads  # not a dispute: no lead, and it does not count
    repeated = [ref for ref in ("J1", "J2", "J4", "J5") if "repeat" in leads[ref].flags]
    assert repeated == ["J4"]
    assert leads["J4"].level == "orange" and leads["J1"].level == "yellow"
    assert leads["J4"].reporter_phone == "13812345678"


def test_a_threat_call_is_red_and_first_in_the_queue(territory, stand_in, tmp_path):
    village = village_of("朱集派出所")
    # fmt: off
    rows = [
        ["A1", "2026-04-01 08:00", "张三", "13700000001", f"{village.name}2组5号", "报警人称与邻居因滴水檐吵架"],
        ["A2", "2026-04-01 09:00", "李四", "13700000002", f"{village.name}3组8号", "报警人称丈夫酒后扬言要杀了她全家，手里拿着菜刀"],
        ["A3", "2026-04-01 10:00", "赵五", "13700000003", f"{village.name}4组1号", "报警人称欠款不还发生争执"],
    ]
    # fmt: on
    scan(write_rows(tmp_path / "calls.csv", rows))
    queue = list(Lead.objects.filter(state="new").order_by("-priority", "received_at"))
    assert [lead.source_ref for lead in queue] == ["A2", "A1", "A3"]
    threat = queue[0]
    assert threat.level == "red" and threat.priority == 3
    assert {"threat_kill", "weapon"} <= set(threat.flags)
    assert threat.station.name == "朱集派出所" and threat.grid.parent == village


def test_leads_go_to_the_station_of_the_place_and_unplaced_calls_are_warned(
    territory, stand_in, tmp_path
):
    bailou, urban = village_of("白楼派出所"), village_of("城东派出所")
    # fmt: off
    rows = [
        ["P1", "2026-05-01 10:00", "甲", "", f"淮阳区白楼镇{bailou.name}3组12号", "报警人称与邻居争吵"],
        ["P2", "2026-05-01 11:00", "乙", "", f"城关镇{urban.name}锦绣花园3号楼201室", "报警人称与邻居争吵"],
        ["P3", "2026-05-01 12:00", "丙", "", "豆门乡政府对面", "报警人称与邻居争吵"],
        ["P4", "2026-05-01 13:00", "丁", "", "连霍高速服务区", "报警人称与邻居争吵"],
        ["P5", "2026-05-01 14:00", "戊", "", "", "报警人称与邻居争吵"],
        ["P6", "2026-05-01 15:00", "己", "", "辽宁省大连市甘井子区", "报警人称与邻居争吵"],
    ]
    # fmt: on
    summary, stderr = scan(write_rows(tmp_path / "calls.csv", rows, header=COLUMNS))
    assert summary["disputes"] == 6 and summary["leads_created"] == 3 and summary["unplaced"] == 3
    leads = {lead.source_ref: lead for lead in Lead.objects.select_related("station", "grid")}
    assert leads["P1"].station.name == "白楼派出所" and leads["P1"].grid.parent == bailou
    assert leads["P2"].station.name == "城东派出所" and leads["P2"].grid.parent == urban
    assert leads["P3"].station.name == "豆门派出所" and leads["P3"].grid is None
    assert "5, 6, 7" in stderr  # the unplaced calls' rows (大连市 is not 大连乡)


def test_callers_are_linked_to_the_one_person_with_their_phone(territory, stand_in, tmp_path):
    known = Person.objects.create(name="王建国")
    PersonKey.objects.create(person=known, kind="phone", value="13812345678")
    for name in ("张三", "张四"):  # a household's landline: two persons
        PersonKey.objects.create(
            person=Person.objects.create(name=name), kind="phone", value="03948123456"
        )
    village = village_of("王店派出所")
    # fmt: off
    rows = [
        ["L1", "2026-05-01 10:00", "王建国", "138-1234-5678", village.name, "报警人称与邻居争吵"],
        ["L2", "2026-05-01 11:00", "张三", "0394-8123456", village.name, "报警人称与邻居争吵"],
        ["L3", "2026-05-01 12:00", "新人", "13500000000", village.name, "报警人称与邻居争吵"],
    ]
    # fmt: on
    scan(write_rows(tmp_path / "calls.csv", rows))
    linked = dict(Lead.objects.values_list("source_ref", "reporter_person"))
    assert linked == {"L1": known.pk, "L2": None, "L3": None}
    assert Person.objects.count() == 3  # no person is made for a caller


def test_a_call_about_an_open_case_points_to_it(territory, stand_in, tmp_path):
    from concord.accounts.models import Role, User

    village = village_of("葛店派出所")
    grid = Unit.objects.filter(parent=village).order_by("code").first()
    chief = User.objects.create(
        username="chief", role=Role.STATION_CHIEF, scope_unit=grid.parent.parent.parent
    )
    case = dispute_register(
        actor=chief,
        title="宅基地边界纠纷",
        category=Category.objects.get(code="land"),
        grid=grid,
        parties=[PartyInput(name="刘振东", phone="13612345678")],
    )
    # fmt: off
    rows = [
        ["R1", dt.date.today().isoformat(), "刘振东", "13612345678", village.name, "报警人称邻居欠钱不还"],
    ]
    # fmt: on
    summary, _ = scan(write_rows(tmp_path / "calls.csv", rows))
    lead = Lead.objects.get()
    assert lead.repeat_of == case and summary["open_dispute_matches"] == 1
    assert lead.reporter_person == case.parties.get().person
    assert any(case.case_number in reason for reason in lead.repeat_reasons)


def test_bad_rows_are_reported_with_their_row_and_skipped(territory, stand_in, tmp_path):
    village = village_of("鲁台派出所")
    # fmt: off
    rows = [
        ["B1", "2026-05-01 10:00", "甲", "", village.name, "报警人称与邻居争吵"],
        ["", "2026-05-01 10:05", "乙", "", village.name, "报警人称与邻居争吵"],
        ["B3", "2026-05-01 10:10", "丙", "", village.name, ""],
        ["B4", "2026-02-30 10:15", "丁", "", village.name, "报警人称与邻居争吵"],
        ["B5", "2099-01-01 10:20", "戊", "", village.name, "报警人称与邻居争吵"],
        ["B6", "下午三点", "己", "", village.name, "报警人称与邻居争吵"],
        ["B7", "2026年5月2日9时30分", "庚", "", village.name, "报警人称与邻居争吵"],
        ["B8", "2026-05-02 10:00", "辛", "", village.name, "报警人称" + "吵" * 200_000],
        [],
    ]
    # fmt: on
    summary, stderr = scan(write_rows(tmp_path / "calls.csv", rows))
    assert summary["calls"] == 8 and summary["bad_rows"] == 6 and summary["leads_created"] == 2
    lines = stderr.strip().splitlines()
    assert [re.search(r"\d+", line).group(0) for line in lines] == ["3", "4", "5", "6", "7", "9"]
    assert "2026-02-30" in lines[2] and "下午三点" in lines[4]
    b7 = Lead.objects.get(source_ref="B7")
    assert b7.received_at == dt.datetime(2026, 5, 2, 1, 30, tzinfo=dt.UTC)  # 9:30 in Beijing


def test_gb18030_csv_with_chinese_headers(territory, stand_in, tmp_path):
    village = village_of("临蔡派出所")
    # fmt: off
    rows = [
        ["G1", "2026/5/1 10:00", "张三", "13700000001", f"临蔡镇{village.name}1组2号", "报警人称与邻居争吵"],
    ]
    # fmt: on
    summary, _ = scan(write_rows(tmp_path / "calls.csv", rows, encoding="gb18030"))
    assert summary["leads_created"] == 1
    lead = Lead.objects.get()
    assert lead.address == f"临蔡镇{village.name}1组2号" and lead.reporter_name == "张三"


def test_a_file_without_the_header_is_refused(territory, stand_in, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="call_id"):
        scan(path)
    with pytest.raises(CommandError, match="missing.csv"):
        scan(tmp_path / "missing.csv")


def test_the_real_classifier(territory, tmp_path):
    try:
        model = classifier_module.get_classifier()
        model.predict(["报警人称与邻居因排水沟发生争吵"])
    except NotImplementedError:
        pytest.skip("the classifier is not implemented yet")
    calls = list(generate_calls(150, seed=3))
    path = write_csv(tmp_path / "calls.csv", calls) and tmp_path / "calls.csv"
    predictions = model.predict([c.text for c in calls])
    disputes = [c for c, p in zip(calls, predictions, strict=True) if p.is_dispute]
    summary, _ = scan(path)
    assert summary["calls"] == 150 and summary["disputes"] == len(disputes)
    assert summary["leads_created"] == len([c for c in disputes if c.station_code])
    assert set(Lead.objects.values_list("source_ref", flat=True)) == {
        c.call_id for c in disputes if c.station_code
    }
    assert scan(path)[0]["leads_created"] == 0
