"""`concord classify [FILE]` (DESIGN §6)."""

import json
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from concord.intake.classifier import get_classifier

KEYS = {"id", "is_dispute", "category", "confidence", "flags"}


def jsonl(records) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def run(*args, stdin=None) -> list[dict]:
    out = StringIO()
    options = {"stdout": out}
    if stdin is not None:
        options["stdin"] = stdin
    call_command("classify", *args, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_input_gets_one_line_with_its_id_in_order(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        jsonl(
            [
                {"id": "a", "text": "报警人称邻居扬言要和他同归于尽"},
                {"id": 2, "text": "报警人称电动车被盗"},
                {"id": "c", "text": "市民来电反映物业公司乱收停车费，业主与物业发生争执"},
            ]
        ),
        encoding="utf-8",
    )
    a, b, c = run(str(path))
    assert set(a) == set(b) == set(c) == KEYS
    assert [a["id"], b["id"], c["id"]] == ["a", 2, "c"]
    assert a["is_dispute"] is True and a["category"] != "none" and "threat_kill" in a["flags"]
    assert b == {
        "id": 2,
        "is_dispute": False,
        "category": "none",
        "confidence": b["confidence"],
        "flags": [],
    }
    assert c["category"] == "property" and isinstance(c["confidence"], float)
    assert all(0 <= r["confidence"] <= 1 for r in (a, b, c))


def test_output_matches_the_classifier():
    texts = ["报警人称被邻居家的狗咬伤，对方拒绝赔偿", "来电咨询如何办理身份证"]
    results = run(stdin=BytesIO(jsonl({"id": i, "text": t} for i, t in enumerate(texts)).encode()))
    for result, p in zip(results, get_classifier().predict(texts), strict=True):
        assert (result["is_dispute"], result["category"], result["flags"]) == (
            p.is_dispute,
            p.category,
            list(p.flags),
        )
        assert result["confidence"] == pytest.approx(p.confidence, abs=1e-4)


def test_reads_standard_input_with_a_dash_and_skips_blank_lines():
    data = "\ufeff" + jsonl([{"id": "x", "text": "报警人称电动车被盗"}]) + "\n   \n"
    data += jsonl([{"id": "y", "text": "报警人称两家因宅基地争吵"}])
    results = run("-", stdin=BytesIO(data.encode("utf-8")))
    assert [r["id"] for r in results] == ["x", "y"]


def test_more_lines_than_a_batch_are_all_answered_in_order():
    records = [
        {"id": f"r{i}", "text": f"报警人称邻居{i}号家装修噪音大，双方争吵"} for i in range(25)
    ]
    small = run("--batch-size", "7", stdin=BytesIO(jsonl(records).encode()))
    large = run("--batch-size", "1000", stdin=BytesIO(jsonl(records).encode()))
    assert [r["id"] for r in small] == [r["id"] for r in records]
    assert small == large


def test_each_batch_is_written_before_the_next_is_read():
    out = StringIO()
    records = [{"id": i, "text": "报警人称电动车被盗"} for i in range(10)]

    def stream():
        for i, line in enumerate(jsonl(records).encode().splitlines(keepends=True)):
            if i == 4:  # batches of 3: the first is out before the fifth line is read
                assert len(out.getvalue().splitlines()) == 3
            yield line

    call_command("classify", "--batch-size", "3", stdin=stream(), stdout=out)
    assert len(out.getvalue().splitlines()) == 10


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"not json", "not JSON"),
        (b'["a", "b"]', "not a JSON object"),
        (b'{"text": "x"}', "no id"),
        (b'{"id": "z", "text": 3}', "text must be a string"),
        (b'{"id": "z"}', "text must be a string"),
        (b'{"id": {"a": 1}, "text": "x"}', "id must be a string or a number"),
        ('{"id": "z", "text": "欠款"}'.encode("gbk"), "not UTF-8"),
    ],
)
def test_a_malformed_line_stops_after_the_good_lines_naming_its_number(line, reason):
    good = jsonl([{"id": "a", "text": "报警人称电动车被盗"}, {"id": "b", "text": "两家争吵"}])
    data = good.encode() + b"\n" + line + b"\n" + jsonl([{"id": "c", "text": "x"}]).encode()
    out = StringIO()
    with pytest.raises(CommandError, match=f"line 4: {reason}") as caught:
        call_command("classify", "--batch-size", "1000", stdin=BytesIO(data), stdout=out)
    assert caught.value.returncode == 2
    assert [json.loads(x)["id"] for x in out.getvalue().splitlines()] == ["a", "b"]


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "nope.jsonl"))


def test_the_concord_command_exits_2_with_the_error_on_stderr(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(jsonl([{"id": "a", "text": "报警人称电动车被盗"}]) + "{bad\n", encoding="utf-8")
    concord = Path(sys.executable).with_name("concord")
    done = subprocess.run(
        [str(concord), "classify", str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2
    assert [json.loads(x)["id"] for x in done.stdout.splitlines()] == ["a"]
    assert "line 2: not JSON" in done.stderr


def test_the_concord_command_answers_as_the_management_command(tmp_path):
    """`concord classify` runs without Django set up; its answers are call_command's."""
    records = [
        {"id": "a", "text": "报警人称邻居扬言要和他同归于尽"},
        {"id": 2, "text": "来电咨询如何办理身份证"},
        {"id": "c", "text": "网格员上报：两户因宅基地界址争执"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text(jsonl(records), encoding="utf-8")
    concord = Path(sys.executable).with_name("concord")
    done = subprocess.run(
        [str(concord), "classify", "--batch-size", "2", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert [json.loads(x) for x in done.stdout.splitlines()] == run(str(path))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batches_classified_side_by_side_come_out_in_input_order(jobs):
    records = [{"id": i, "text": f"报警人称邻居因排水沟堵塞吵架{i}次"} for i in range(25)]
    out = StringIO()
    data = BytesIO(jsonl(records).encode())
    call_command("classify", "--batch-size", "4", "--jobs", jobs, stdin=data, stdout=out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [a["id"] for a in answers] == list(range(25))
    assert answers == run(stdin=BytesIO(jsonl(records).encode()))


def test_a_malformed_line_with_several_processes_still_leaves_the_exact_prefix():
    good = [{"id": i, "text": "报警人称电动车被盗"} for i in range(9)]
    data = BytesIO((jsonl(good) + "{bad\n").encode())
    out = StringIO()
    with pytest.raises(CommandError, match="line 10: not JSON"):
        call_command("classify", "--batch-size", "2", "--jobs", "2", stdin=data, stdout=out)
    assert [json.loads(x)["id"] for x in out.getvalue().splitlines()] == list(range(9))
