"""The risk engine on its own: hard rules, thresholds, monotonicity, determinism. No database."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.risk import engine, loader
from concord.risk.model import FLAGS, LEVELS, RANK, Inputs

INSTRUMENT = loader.current_instrument()
RULES = loader.current_ruleset()
ITEM_CODES = [item.code for item in INSTRUMENT.items]
CATEGORIES = sorted(loader.CATEGORY_CODES)


def grade(**kwargs):
    return engine.assess(Inputs(**kwargs), INSTRUMENT, RULES)


def rule_codes(result):
    return {r.code for r in result.reasons if r.kind == "rule"}


def test_nothing_known_is_yellow_with_its_reason():
    result = grade()
    assert result.level == "yellow" and result.score == 0
    assert [r.kind for r in result.reasons] == ["threshold"]


def test_threat_to_kill_alone_is_red():
    result = grade(flags=frozenset({"threat_kill"}))
    assert result.level == "red" and "threat_kill_red" in rule_codes(result)


def test_self_harm_alone_is_red():
    result = grade(flags=frozenset({"self_harm"}))
    assert result.level == "red" and "self_harm_red" in rule_codes(result)


def test_weapon_with_violence_is_red():
    result = grade(flags=frozenset({"weapon", "violence"}))
    assert result.level == "red" and "weapon_and_violence_red" in rule_codes(result)


def test_a_gathering_of_thirty_is_red_and_twenty_nine_is_not_by_that_rule():
    assert "gathering_30_red" in rule_codes(grade(people_involved=30))
    assert grade(people_involved=30).level == "red"
    assert "gathering_30_red" not in rule_codes(grade(people_involved=29))


@pytest.mark.parametrize("flag", ["weapon", "violence", "group", "stalking"])
def test_each_serious_flag_alone_is_at_least_orange(flag):
    result = grade(flags=frozenset({flag}))
    assert result.minimum_level == "orange" and RANK[result.level] >= RANK["orange"]
    assert f"{flag}_orange" in rule_codes(result)


def test_three_reports_in_twelve_months_raise_repeat_and_orange():
    result = grade(reports_12m=3)
    assert "repeat" in result.flags and result.minimum_level == "orange"
    assert "repeat_12m_orange" in rule_codes(result)
    assert "repeat" not in grade(reports_12m=2).flags


def test_answering_the_threat_item_yes_fires_the_red_rule():
    assert grade(answers={"threat_kill": True}).level == "red"


def test_scores_cross_the_thresholds():
    # separation 3 + fear 2 + substance 2 = 7: orange by score alone, no rule.
    result = grade(category="family", answers={"separation": True, "fear": True, "substance": True})
    assert (result.score, result.minimum_level, result.level) == (7, "yellow", "orange")


def test_items_outside_the_category_do_not_count():
    assert grade(category="neighbour", answers={"separation": True}).score == 0
    assert grade(category="family", answers={"separation": True}).score == 3


def test_unknown_item_codes_are_refused():
    with pytest.raises(ValueError):
        grade(answers={"no_such_item": True})


def test_every_reason_names_its_source():
    result = grade(
        flags=frozenset(FLAGS),
        answers={c: True for c in ITEM_CODES},
        people_involved=50,
        reports_12m=5,
    )
    assert result.level == "red"
    assert all(r.source and r.text_zh and r.text_en for r in result.reasons)


answers_st = st.dictionaries(st.sampled_from(ITEM_CODES), st.booleans())
flags_st = st.frozensets(st.sampled_from(FLAGS))
inputs_st = st.builds(
    Inputs,
    category=st.one_of(st.none(), st.sampled_from(CATEGORIES)),
    answers=answers_st,
    flags=flags_st,
    people_involved=st.one_of(st.none(), st.integers(0, 500)),
    reports_12m=st.integers(0, 10),
    mediation_failed=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(inputs_st, st.sampled_from(ITEM_CODES))
def test_one_more_yes_never_lowers_the_level(inputs, code):
    before = engine.assess(inputs, INSTRUMENT, RULES)
    after = engine.assess(
        dataclasses.replace(inputs, answers={**inputs.answers, code: True}), INSTRUMENT, RULES
    )
    assert RANK[after.level] >= RANK[before.level] and after.score >= before.score


@settings(max_examples=300, deadline=None)
@given(inputs_st, st.sampled_from(FLAGS))
def test_one_more_flag_never_lowers_the_level(inputs, flag):
    before = engine.assess(inputs, INSTRUMENT, RULES)
    after = engine.assess(
        dataclasses.replace(inputs, flags=inputs.flags | {flag}), INSTRUMENT, RULES
    )
    assert RANK[after.level] >= RANK[before.level]


@settings(max_examples=300, deadline=None)
@given(inputs_st)
def test_the_level_is_never_below_the_rules_minimum(inputs):
    result = engine.assess(inputs, INSTRUMENT, RULES)
    assert RANK[result.level] >= RANK[result.minimum_level]
    assert result.level in LEVELS


@settings(max_examples=200, deadline=None)
@given(inputs_st)
def test_the_same_inputs_always_give_the_same_result(inputs):
    assert engine.assess(inputs, INSTRUMENT, RULES) == engine.assess(inputs, INSTRUMENT, RULES)


def test_the_result_names_the_versions_it_used():
    result = grade()
    assert result.instrument_version == f"concord-dispute@{INSTRUMENT.version}"
    assert result.rules_version == RULES.version
