import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(tmp_path, lines, *args):
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8"
    )
    from io import StringIO

    out = StringIO()
    call_command("assess", str(path), *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_threat_to_die_together_is_red_naming_the_rule(tmp_path):
    [result] = run(tmp_path, [{"id": "a", "text": "报警人称邻居扬言要和他同归于尽"}])
    assert result["id"] == "a" and result["level"] == "red"
    assert any("threat_kill_red" in reason for reason in result["reasons"])


def test_renovation_noise_is_yellow(tmp_path):
    [result] = run(tmp_path, [{"id": "b", "text": "楼上装修噪音大，协商未果"}])
    assert result["level"] == "yellow" and result["reasons"]


def test_answers_and_history_count(tmp_path):
    [result] = run(
        tmp_path,
        [
            {
                "id": "c",
                "text": "两家因宅基地争吵",
                "answers": {"fear": True},
                "history": {"reports_12m": 3},
            }
        ],
    )
    assert result["level"] == "orange" and any("repeat_12m_orange" in r for r in result["reasons"])


def test_reasons_in_english_on_request(tmp_path):
    [result] = run(
        tmp_path, [{"id": "d", "text": "报警人称邻居扬言要和他同归于尽"}], "--lang", "en"
    )
    assert any("rule threat_kill_red" in reason for reason in result["reasons"])


def test_an_unknown_answer_code_names_the_line(tmp_path):
    with pytest.raises(CommandError, match="line 2"):
        run(
            tmp_path,
            [{"id": "e", "text": "x"}, {"id": "f", "text": "y", "answers": {"nope": True}}],
        )
