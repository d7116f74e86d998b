"""The pair scorer: the trained model's parameters turned into a match probability for one pair.

Online matching (a new party typed into a dispute, a police call's caller) scores a handful of
candidate pairs at a time; it needs no DuckDB or Spark. This is Splink's Fellegi–Sunter sum done in
Python with the same levels and the same parameters (model.json), so the online and the batch
judgement agree:

    match weight = log2(λ / (1 − λ)) + Σ log2(m / u) of each comparison's level
                   [+ the term-frequency adjustment of an exact name match, when frequencies are given]
    probability  = 2^weight / (1 + 2^weight)

A pair that DESIGN §4 says is two people (two different valid ID numbers…) scores 0.

    scorer = PairScorer()                      # the shipped model
    scorer.score_records({"name": "李伟", "phone": "138 0013 8000"},
                         {"name": "李玮", "phone": "+86 13800138000"}, gazetteer=gaz).probability
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from concord.people.linkage.features import never_same_person, record_features
from concord.people.linkage.model import COMPARISONS, DEFAULT_THRESHOLD, load_model
from concord.people.normalise import Gazetteer

NameFrequency = Mapping[str, float] | Callable[[str], float | None]


@dataclass(frozen=True)
class _LevelWeight:
    label: str
    weight: float  # log2(m / u); 0 for a null level
    tf_column: str | None = None
    log2_u: float = 0.0  # log2(u) of this exact-match level, for the term-frequency adjustment
    tf_weight: float = 1.0
    tf_minimum_u: float = 0.0


@dataclass(frozen=True)
class PairScore:
    probability: float
    match_weight: float
    levels: dict[str, str]  # comparison → label of the level the pair fell in
    weights: dict[
        str, float
    ]  # comparison → its match weight (with the name's frequency adjustment)
    never_same_person: bool = False

    @property
    def is_match(self) -> bool:
        return self.probability >= DEFAULT_THRESHOLD


class PairScorer:
    """Scores pairs of feature rows (`features.record_features`) or of raw records with the model."""

    def __init__(self, model: Mapping[str, Any] | None = None):
        model = model or load_model()
        prior = float(model["probability_two_random_records_match"])
        self.prior_weight = math.log2(prior / (1 - prior))
        saved = {c["output_column_name"]: c for c in model["comparisons"]}
        self._weights: list[list[_LevelWeight]] = []
        for comparison in COMPARISONS:
            if comparison.column not in saved:
                raise ValueError(f"the model has no comparison {comparison.column!r}")
            levels = saved[comparison.column]["comparison_levels"]
            labels = [level.get("label_for_charts") for level in levels]
            expected = [level.label for level in comparison.levels]
            if labels != expected:
                raise ValueError(
                    f"the model's levels for {comparison.column!r} are {labels}, the code's {expected}"
                )
            self._weights.append([self._level_weight(level) for level in levels])

    @staticmethod
    def _level_weight(level: Mapping[str, Any]) -> _LevelWeight:
        label = level["label_for_charts"]
        if level.get("is_null_level"):
            return _LevelWeight(label, 0.0)
        m, u = float(level["m_probability"]), float(level["u_probability"])
        return _LevelWeight(
            label,
            math.log2(m / u),
            tf_column=level.get("tf_adjustment_column"),
            log2_u=math.log2(u),
            tf_weight=float(level.get("tf_adjustment_weight", 1.0)),
            tf_minimum_u=float(level.get("tf_minimum_u_value", 0.0)),
        )

    def score(
        self,
        left: Mapping[str, Any],
        right: Mapping[str, Any],
        *,
        name_frequency: NameFrequency | None = None,
    ) -> PairScore:
        """Score two feature rows. `name_frequency` gives a name's share of all names (as Splink's
        term-frequency table does) so a match on 王伟 counts for less than one on 欧阳修."""
        labels: dict[str, str] = {}
        parts: dict[str, float] = {}
        for comparison, weights in zip(COMPARISONS, self._weights, strict=True):
            level = weights[comparison.level_of(left, right)]
            labels[comparison.column] = level.label
            parts[comparison.column] = level.weight
            if level.tf_column and name_frequency is not None:
                parts[comparison.column] += self._tf_adjustment(level, left, right, name_frequency)
        if never_same_person(left, right):
            return PairScore(0.0, -math.inf, labels, parts, never_same_person=True)
        weight = self.prior_weight + sum(parts.values())
        return PairScore(_probability(weight), weight, labels, parts)

    def score_records(
        self,
        left: Mapping[str, Any],
        right: Mapping[str, Any],
        *,
        gazetteer: Gazetteer | None = None,
        name_frequency: NameFrequency | None = None,
    ) -> PairScore:
        """Score two records as typed (keys name, id_number, phone, address, birth_date)."""
        return self.score(
            record_features(left, gazetteer),
            record_features(right, gazetteer),
            name_frequency=name_frequency,
        )

    @staticmethod
    def _tf_adjustment(
        level: _LevelWeight,
        left: Mapping[str, Any],
        right: Mapping[str, Any],
        name_frequency: NameFrequency,
    ) -> float:
        lookup = name_frequency if callable(name_frequency) else name_frequency.get
        frequencies = [
            f for f in (lookup(left[level.tf_column]), lookup(right[level.tf_column])) if f
        ]
        if not frequencies:
            return 0.0
        return level.tf_weight * (level.log2_u - math.log2(max(*frequencies, level.tf_minimum_u)))


def _probability(weight: float) -> float:
    if weight > 1000:
        return 1.0
    odds = 2.0**weight
    return odds / (1 + odds)


@lru_cache(maxsize=1)
def default_scorer() -> PairScorer:
    """The scorer of the shipped model.json (loaded once)."""
    return PairScorer()


def score_pair(
    left: Mapping[str, Any],
    right: Mapping[str, Any],
    *,
    gazetteer: Gazetteer | None = None,
    name_frequency: NameFrequency | None = None,
) -> PairScore:
    """Score two records as typed with the shipped model: the online matcher's entry point."""
    return default_scorer().score_records(
        left, right, gazetteer=gazetteer, name_frequency=name_frequency
    )
