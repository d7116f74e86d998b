import json

import pytest

from concord.risk import loader


def _instrument(**overrides):
    data = json.loads((loader.DATA_DIR / "concord-dispute-1.json").read_text(encoding="utf-8"))
    data.update(overrides)
    return data


def test_the_shipped_instrument_and_rules_load():
    assert loader.current_instrument().items and loader.current_ruleset().rules


def test_a_negative_weight_is_refused():
    data = _instrument()
    data["items"][0]["weight"] = -1
    with pytest.raises(loader.DefinitionError):
        loader.parse_instrument(data)


def test_an_item_without_a_source_is_refused():
    data = _instrument()
    data["items"][0]["source"] = " "
    with pytest.raises(loader.DefinitionError):
        loader.parse_instrument(data)


def test_an_unknown_flag_is_refused():
    data = _instrument()
    data["items"][0]["flags"] = ["anger"]
    with pytest.raises(loader.DefinitionError):
        loader.parse_instrument(data)


def test_a_rule_without_a_condition_is_refused():
    data = json.loads((loader.DATA_DIR / "rules-1.json").read_text(encoding="utf-8"))
    for key in ("all_flags", "any_flags", "people_at_least", "reports_12m_at_least"):
        data["rules"][0].pop(key, None)
    with pytest.raises(loader.DefinitionError):
        loader.parse_ruleset(data)


def test_thresholds_must_be_ordered():
    data = json.loads((loader.DATA_DIR / "rules-1.json").read_text(encoding="utf-8"))
    data["thresholds"] = {"orange_from": 12, "red_from": 6}
    with pytest.raises(loader.DefinitionError):
        loader.parse_ruleset(data)


def test_the_risk_package_does_not_import_django():
    import subprocess
    import sys

    code = (
        "import sys; import concord.risk.engine, concord.risk.loader, concord.risk.model; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
