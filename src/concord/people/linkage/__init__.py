"""Person linkage: which records are the same person (DESIGN §4 "Linking people").

- `link_records(records, gazetteer=…)`: batch linkage with Splink (DuckDB; Spark by setting) →
  one person id per record; what `concord link` runs.
- `score_pair(left, right, gazetteer=…)` / `PairScorer`: the trained model's match probability for
  one candidate pair, in pure Python, for online matching.
- `record_features`: the normalised columns both of them compare; `never_same_person`: DESIGN §4's
  rule (two different valid ID numbers, birth dates or sexes are two people), enforced by both.
- The model: `model.py` (comparisons, blocking rules), `model.json` (trained parameters, Splink's
  JSON), `training.py` (how it was trained). docs/linkage.md explains them.
"""

from concord.people.linkage.batch import LinkResult, link_records
from concord.people.linkage.clustering import split_conflicts
from concord.people.linkage.features import FEATURE_COLUMNS, never_same_person, record_features
from concord.people.linkage.model import (
    BLOCKING_RULES,
    COMPARISONS,
    DEFAULT_THRESHOLD,
    MODEL_PATH,
    linkage_backend,
    load_model,
    trained_settings,
)
from concord.people.linkage.scorer import PairScore, PairScorer, default_scorer, score_pair

__all__ = [
    "BLOCKING_RULES",
    "COMPARISONS",
    "DEFAULT_THRESHOLD",
    "FEATURE_COLUMNS",
    "MODEL_PATH",
    "LinkResult",
    "PairScore",
    "PairScorer",
    "default_scorer",
    "link_records",
    "linkage_backend",
    "load_model",
    "never_same_person",
    "record_features",
    "score_pair",
    "split_conflicts",
    "trained_settings",
]
