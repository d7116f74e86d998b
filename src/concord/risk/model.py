"""Types of the risk engine. Levels are ordered yellow < orange < red."""

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

LEVELS = ("yellow", "orange", "red")
RANK = MappingProxyType({level: i for i, level in enumerate(LEVELS)})
FLAGS = (
    "threat_kill",
    "self_harm",
    "weapon",
    "violence",
    "group",
    "stalking",
    "repeat",
    "vulnerable",
)


def higher(a: str, b: str) -> str:
    return a if RANK[a] >= RANK[b] else b


@dataclass(frozen=True)
class Item:
    """One question of an instrument: answered yes, it adds its weight to the score."""

    code: str
    question_zh: str
    question_en: str
    weight: float
    categories: tuple[str, ...]  # ("*",) = every category
    source: str
    flags: tuple[str, ...] = ()  # text flags that answer this item "yes" on their own

    def applies_to(self, category: str | None) -> bool:
        return "*" in self.categories or category is None or category in self.categories


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    title_zh: str
    title_en: str
    items: tuple[Item, ...]

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)


@dataclass(frozen=True)
class Rule:
    """A hard rule: when its condition holds, the level is at least `min_level`, whatever the score."""

    code: str
    min_level: str
    reason_zh: str
    reason_en: str
    source: str
    all_flags: tuple[str, ...] = ()
    any_flags: tuple[str, ...] = ()
    people_at_least: int | None = None
    reports_12m_at_least: int | None = None
    raises_flag: str | None = None  # e.g. the repeat rule raises `repeat`


@dataclass(frozen=True)
class Ruleset:
    version: str
    rules: tuple[Rule, ...]
    orange_from: float  # score at or above which the level is at least orange
    red_from: float


@dataclass(frozen=True)
class Inputs:
    category: str | None = None
    answers: MappingProxyType | dict[str, bool] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()
    people_involved: int | None = None
    reports_12m: int = 0  # dispute reports about the same person or address in the last 12 months
    mediation_failed: bool = False


@dataclass(frozen=True)
class Reason:
    kind: str  # "rule" | "item" | "threshold"
    code: str
    text_zh: str
    text_en: str
    source: str
    weight: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "source": self.source,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class Result:
    level: str
    minimum_level: str  # what the hard rules alone demand
    score: float
    reasons: tuple[Reason, ...]
    flags: frozenset[str]
    instrument_version: str  # e.g. "concord-dispute@1"
    rules_version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "minimum_level": self.minimum_level,
            "score": self.score,
            "flags": sorted(self.flags),
            "reasons": [r.as_dict() for r in self.reasons],
            "instrument_version": self.instrument_version,
            "rules_version": self.rules_version,
        }
