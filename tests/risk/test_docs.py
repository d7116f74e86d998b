from pathlib import Path

from concord.risk import loader

DOC = (Path(__file__).resolve().parents[2] / "docs" / "risk.md").read_text(encoding="utf-8")


def test_docs_list_every_item_of_the_current_instrument_with_its_source():
    for item in loader.current_instrument().items:
        assert f"`{item.code}`" in DOC and item.source in DOC, item.code


def test_docs_list_every_rule_with_its_source():
    for rule in loader.current_ruleset().rules:
        assert f"`{rule.code}`" in DOC and rule.source in DOC, rule.code
