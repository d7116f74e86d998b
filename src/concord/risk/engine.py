"""Scoring: weighted items, hard rules that set a minimum level, thresholds for the rest.

The level is max(rule minimum, threshold level of the score). Weights are positive and rules only
raise the minimum, so the result is monotone: more "yes" answers or more flags never lower it.
"""

from types import MappingProxyType

from concord.risk.model import LEVELS, Inputs, Instrument, Reason, Result, Rule, Ruleset, higher


def _rule_holds(rule: Rule, flags: frozenset[str], inputs: Inputs) -> bool:
    if rule.all_flags and not all(f in flags for f in rule.all_flags):
        return False
    if rule.any_flags and not any(f in flags for f in rule.any_flags):
        return False
    if rule.people_at_least is not None and (inputs.people_involved or 0) < rule.people_at_least:
        return False
    return not (
        rule.reports_12m_at_least is not None and inputs.reports_12m < rule.reports_12m_at_least
    )


def assess(inputs: Inputs, instrument: Instrument, ruleset: Ruleset) -> Result:
    answers = MappingProxyType(dict(inputs.answers))
    unknown = set(answers) - {item.code for item in instrument.items}
    if unknown:
        raise ValueError(f"unknown item codes: {sorted(unknown)}")
    applicable = [item for item in instrument.items if item.applies_to(inputs.category)]

    # Flags come from the text, from items answered yes, and from rules that raise one (repeat).
    flags = set(inputs.flags)
    for item in applicable:
        if answers.get(item.code):
            flags.update(item.flags)
    if inputs.mediation_failed:
        answers = MappingProxyType({**answers, "mediation_failed": True})
    for rule in ruleset.rules:
        if rule.raises_flag and _rule_holds(rule, frozenset(flags), inputs):
            flags.add(rule.raises_flag)
    frozen = frozenset(flags)

    fired = [
        item
        for item in applicable
        if answers.get(item.code) or any(f in frozen for f in item.flags)
    ]
    score = sum(item.weight for item in fired)

    minimum = LEVELS[0]
    rule_reasons = []
    for rule in ruleset.rules:
        if _rule_holds(rule, frozen, inputs):
            minimum = higher(minimum, rule.min_level)
            rule_reasons.append(
                Reason("rule", rule.code, rule.reason_zh, rule.reason_en, rule.source)
            )

    by_score = (
        "red"
        if score >= ruleset.red_from
        else "orange"
        if score >= ruleset.orange_from
        else "yellow"
    )
    level = higher(minimum, by_score)
    threshold = Reason(
        "threshold",
        by_score,
        f"加权分 {score:g}（橙色 ≥ {ruleset.orange_from:g}，红色 ≥ {ruleset.red_from:g}）",
        f"Weighted score {score:g} (orange ≥ {ruleset.orange_from:g}, red ≥ {ruleset.red_from:g})",
        f"Concord rules version {ruleset.version}",
    )
    item_reasons = [
        Reason("item", i.code, i.question_zh, i.question_en, i.source, i.weight)
        for i in sorted(fired, key=lambda i: (-i.weight, i.code))
    ]
    return Result(
        level=level,
        minimum_level=minimum,
        score=score,
        reasons=(*rule_reasons, threshold, *item_reasons),
        flags=frozen,
        instrument_version=f"{instrument.code}@{instrument.version}",
        rules_version=ruleset.version,
    )
