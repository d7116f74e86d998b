"""Instruments and rulesets are JSON files in data/, named <code>-<version>.json and rules-<version>.json.

They are validated when loaded; an invalid file stops the application from starting rather than
grading cases wrongly. Old versions stay on disk so every stored assessment can still be explained.
"""

import json
from functools import cache
from pathlib import Path

from concord.risk.model import FLAGS, LEVELS, Instrument, Item, Rule, Ruleset

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORY_CODES = frozenset(
    {
        "family",
        "neighbour",
        "land",
        "debt",
        "labour",
        "medical",
        "requisition",
        "damages",
        "property",
        "other",
    }
)


class DefinitionError(ValueError):
    pass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DefinitionError(message)


def parse_instrument(data: dict) -> Instrument:
    items = []
    seen: set[str] = set()
    for raw in data.get("items", []):
        code = raw.get("code", "")
        _require(bool(code) and code not in seen, f"item code missing or repeated: {code!r}")
        seen.add(code)
        weight = raw.get("weight")
        # Positive weights keep the score monotone: one more "yes" can never lower the level.
        _require(isinstance(weight, int | float) and weight > 0, f"{code}: weight must be positive")
        categories = tuple(raw.get("categories") or ())
        _require(
            bool(categories) and all(c == "*" or c in CATEGORY_CODES for c in categories),
            f"{code}: categories must be '*' or known category codes",
        )
        flags = tuple(raw.get("flags") or ())
        _require(all(f in FLAGS for f in flags), f"{code}: unknown flag in {flags}")
        for key in ("question_zh", "question_en", "source"):
            _require(bool(raw.get(key, "").strip()), f"{code}: {key} is required")
        items.append(
            Item(
                code=code,
                question_zh=raw["question_zh"],
                question_en=raw["question_en"],
                weight=float(weight),
                categories=categories,
                source=raw["source"],
                flags=flags,
            )
        )
    _require(bool(items), "an instrument needs items")
    for key in ("code", "version", "title_zh", "title_en"):
        _require(bool(str(data.get(key, "")).strip()), f"instrument {key} is required")
    return Instrument(
        code=data["code"],
        version=str(data["version"]),
        title_zh=data["title_zh"],
        title_en=data["title_en"],
        items=tuple(items),
    )


def parse_ruleset(data: dict) -> Ruleset:
    thresholds = data.get("thresholds") or {}
    orange, red = thresholds.get("orange_from"), thresholds.get("red_from")
    _require(
        isinstance(orange, int | float) and isinstance(red, int | float) and 0 < orange < red,
        "thresholds need 0 < orange_from < red_from",
    )
    rules = []
    seen: set[str] = set()
    for raw in data.get("rules", []):
        code = raw.get("code", "")
        _require(bool(code) and code not in seen, f"rule code missing or repeated: {code!r}")
        seen.add(code)
        _require(raw.get("min_level") in LEVELS, f"{code}: min_level must be one of {LEVELS}")
        all_flags, any_flags = tuple(raw.get("all_flags") or ()), tuple(raw.get("any_flags") or ())
        _require(all(f in FLAGS for f in all_flags + any_flags), f"{code}: unknown flag")
        people, reports = raw.get("people_at_least"), raw.get("reports_12m_at_least")
        _require(
            bool(all_flags or any_flags or people or reports), f"{code}: a rule needs a condition"
        )
        raises = raw.get("raises_flag")
        _require(raises is None or raises in FLAGS, f"{code}: unknown raises_flag")
        for key in ("reason_zh", "reason_en", "source"):
            _require(bool(raw.get(key, "").strip()), f"{code}: {key} is required")
        rules.append(
            Rule(
                code=code,
                min_level=raw["min_level"],
                reason_zh=raw["reason_zh"],
                reason_en=raw["reason_en"],
                source=raw["source"],
                all_flags=all_flags,
                any_flags=any_flags,
                people_at_least=people,
                reports_12m_at_least=reports,
                raises_flag=raises,
            )
        )
    _require(bool(str(data.get("version", "")).strip()), "ruleset version is required")
    return Ruleset(
        version=str(data["version"]),
        rules=tuple(rules),
        orange_from=float(orange),
        red_from=float(red),
    )


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in version.split("."))


@cache
def instruments(code: str = "concord-dispute") -> dict[str, Instrument]:
    found = {}
    for path in DATA_DIR.glob(f"{code}-*.json"):
        instrument = parse_instrument(json.loads(path.read_text(encoding="utf-8")))
        found[instrument.version] = instrument
    _require(bool(found), f"no instrument {code!r} in {DATA_DIR}")
    return found


@cache
def rulesets() -> dict[str, Ruleset]:
    found = {}
    for path in DATA_DIR.glob("rules-*.json"):
        ruleset = parse_ruleset(json.loads(path.read_text(encoding="utf-8")))
        found[ruleset.version] = ruleset
    _require(bool(found), f"no ruleset in {DATA_DIR}")
    return found


def current_instrument(code: str = "concord-dispute") -> Instrument:
    versions = instruments(code)
    return versions[max(versions, key=_version_key)]


def current_ruleset() -> Ruleset:
    versions = rulesets()
    return versions[max(versions, key=_version_key)]
