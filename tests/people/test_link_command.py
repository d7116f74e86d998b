"""`concord link INPUT.csv --output OUT.csv` (DESIGN §6)."""

import csv
from collections import Counter
from math import comb

import pytest
from django.core.management import CommandError, call_command

from bench.people_generator import generate_records, write_csv
from concord.core.demo import load_demo
from concord.core.demo.county import UNITS
from concord.people.identity import check_digit

pytestmark = pytest.mark.django_db

HEADER = "record_id,name,id_number,phone,address,birth_date"


def write(path, lines, encoding="utf-8"):
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def read_output(path):
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["record_id", "person_id"]
    return rows[1:]


def pairwise_f1(predicted, truth):
    true_positive = sum(comb(n, 2) for n in Counter(zip(predicted, truth, strict=True)).values())
    precision = true_positive / sum(comb(n, 2) for n in Counter(predicted).values())
    recall = true_positive / sum(comb(n, 2) for n in Counter(truth).values())
    return precision, recall, 2 * precision * recall / (precision + recall)


LINES = [
    HEADER,
    "r1,李伟,,138 0013 8000,淮阳区白楼镇张庄村3组,",
    "r2,王芳,,13900139000,朱集乡王营,1970-05-06",
    "r3,李玮,,+86 13800138000,张庄3组,",
    "r4,,,,,",
    "r5,王 芳,,139-0013-9000,,1970年5月6日",
]


def test_one_row_per_record_in_input_order_and_the_same_person_shares_an_id(tmp_path):
    output = tmp_path / "out.csv"
    call_command("link", str(write(tmp_path / "in.csv", LINES)), "--output", str(output))
    rows = read_output(output)
    assert [r[0] for r in rows] == ["r1", "r2", "r3", "r4", "r5"]
    people = dict(rows)
    assert people["r1"] == people["r3"] and people["r2"] == people["r5"]
    assert len({people["r1"], people["r2"], people["r4"]}) == 3
    assert all(p.startswith("P") for p in people.values())


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_utf8_with_a_byte_order_mark_and_gb18030_read_alike(tmp_path, encoding):
    plain, other = tmp_path / "plain.csv", tmp_path / "other.csv"
    call_command("link", str(write(tmp_path / "a.csv", LINES)), "--output", str(plain))
    call_command("link", str(write(tmp_path / "b.csv", LINES, encoding)), "--output", str(other))
    assert read_output(plain) == read_output(other)


def test_columns_in_another_order_and_extra_columns_are_fine(tmp_path):
    lines = [
        "note,phone,name,record_id,address,birth_date,id_number",
        "x,13800138000,张静,a,,,",
        "y,13800138000,张晶,b,,,",
    ]
    output = tmp_path / "out.csv"
    call_command("link", str(write(tmp_path / "in.csv", lines)), "--output", str(output))
    assert len({p for _r, p in read_output(output)}) == 1


def test_two_valid_id_numbers_stay_two_people_whatever_they_share(tmp_path):
    first, second = (
        "41160319900101" + s + check_digit("41160319900101" + s) for s in ("011", "013")
    )
    lines = [HEADER] + [
        f"r{i},王伟,{number},13800138000,淮阳区白楼镇张庄村3组,1990-01-01"
        for i, number in enumerate([first, second, first, second, ""])
    ]
    output = tmp_path / "out.csv"
    call_command("link", str(write(tmp_path / "in.csv", lines)), "--output", str(output))
    people = dict(read_output(output))
    assert (
        people["r0"] == people["r2"]
        and people["r1"] == people["r3"]
        and people["r0"] != people["r1"]
    )


def test_a_missing_column_is_named(tmp_path):
    with pytest.raises(CommandError, match="phone"):
        call_command(
            "link",
            str(write(tmp_path / "in.csv", ["record_id,name,id_number,address,birth_date"])),
            "--output",
            str(tmp_path / "out.csv"),
        )
    assert not (tmp_path / "out.csv").exists()


def test_an_empty_record_id_is_refused_with_its_row(tmp_path):
    with pytest.raises(CommandError, match="row 3"):
        call_command(
            "link",
            str(write(tmp_path / "in.csv", [HEADER, "a,张三,,,,", ",李四,,,,"])),
            "--output",
            str(tmp_path / "out.csv"),
        )


def test_an_empty_file_and_a_missing_file_are_refused(tmp_path):
    with pytest.raises(CommandError, match="empty"):
        call_command(
            "link", str(write(tmp_path / "in.csv", [""])), "--output", str(tmp_path / "out.csv")
        )
    with pytest.raises(CommandError, match="no such file"):
        call_command("link", str(tmp_path / "nope.csv"), "--output", str(tmp_path / "out.csv"))


def test_a_header_only_file_gives_a_header_only_output(tmp_path):
    output = tmp_path / "out.csv"
    call_command("link", str(write(tmp_path / "in.csv", [HEADER])), "--output", str(output))
    assert read_output(output) == []


@pytest.mark.parametrize("territory", [False, True], ids=["addresses-as-text", "demo-territory"])
def test_a_generated_set_of_2000_records_is_linked_with_f1_of_at_least_095(tmp_path, territory):
    if territory:
        load_demo(steps=[UNITS])
    records = generate_records(2000, seed=2026)
    source, output = write_csv(tmp_path / "people.csv", records), tmp_path / "out.csv"
    call_command("link", str(source), "--output", str(output))
    rows = read_output(output)
    assert [r[0] for r in rows] == [r.record_id for r in records]
    precision, recall, f1 = pairwise_f1([p for _r, p in rows], [r.person_id for r in records])
    assert f1 >= 0.95, (precision, recall, f1)
