"""Batch linkage: many records in, one person id per record out (`concord link`).

normalise every record (features.record_features)
→ Splink predict on the blocked pairs with the trained model (DuckDB, or Spark)
→ connected components at the threshold (Splink)
→ the never-merge split (clustering.split_conflicts)
→ person ids "P000001"… numbered in order of each person's first record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from concord.people.linkage.clustering import Edge, split_conflicts
from concord.people.linkage.features import feature_schema, record_features
from concord.people.linkage.model import (
    DEFAULT_THRESHOLD,
    database_api,
    linkage_backend,
    trained_settings,
)
from concord.people.normalise import Gazetteer

Progress = Callable[[str], None]
MAX_PRIOR = 0.1
REFERENCE_RECORDS = (
    20_000  # the size of the training set the shipped model's prior was estimated on
)


@dataclass
class LinkResult:
    person_ids: list[str]  # one per input record, in input order
    links: int = 0  # pairs at or above the threshold
    clusters_split: int = 0  # people added by the never-merge split
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return len(set(self.person_ids))


def _estimate_prior(linker, n: int) -> None:
    """The chance that two random records are one person depends on the input's size and how
    often people recur in it, so it is re-estimated on every input the way training estimated it
    (pairs found by near-certain rules, divided by their assumed recall). An input where the rules
    find nothing keeps the model's value scaled to its size; the estimate is capped at 1 in 10."""
    from concord.people.linkage.training import PRIOR_RECALL, PRIOR_RULES

    settings = linker._settings_obj
    saved = settings._probability_two_random_records_match
    try:
        linker.training.estimate_probability_two_random_records_match(
            list(PRIOR_RULES), recall=PRIOR_RECALL
        )
        estimate = settings._probability_two_random_records_match
    except (
        ValueError
    ):  # more rule matches than the recall allows: a tiny input, nearly all duplicates
        estimate = MAX_PRIOR
    if not estimate:
        estimate = saved * (REFERENCE_RECORDS - 1) / max(n - 1, 1)
    settings._probability_two_random_records_match = min(estimate, MAX_PRIOR)


def feature_table(rows: Sequence[Mapping[str, Any]]):
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=feature_schema())


def prepare(
    records: Sequence[Mapping[str, Any]], gazetteer: Gazetteer | None = None
) -> list[dict[str, Any]]:
    """The feature rows of the records; unique_id is the record's position in the input."""
    return [record_features(record, gazetteer, unique_id=i) for i, record in enumerate(records)]


def link_records(
    records: Sequence[Mapping[str, Any]],
    *,
    gazetteer: Gazetteer | None = None,
    model: Mapping[str, Any] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    backend: str | None = None,
    progress: Progress | None = None,
) -> LinkResult:
    """Link records with the keys name, id_number, phone, address, birth_date (text as typed).

    Records judged to be one person share a person id; two records that DESIGN §4 says are two
    people never do.
    """
    say = progress or (lambda message: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    say(f"normalising {len(records)} records")
    rows = prepare(records, gazetteer)
    seconds["normalise"] = time.perf_counter() - started
    if len(rows) < 2:
        return LinkResult(person_ids=[f"P{i + 1:06d}" for i in range(len(rows))], seconds=seconds)

    from splink import Linker

    backend = backend or linkage_backend()
    mark = time.perf_counter()
    db_api = database_api(backend)
    table = db_api.register(feature_table(rows), dataset_display_name="people")
    linker = Linker(table, trained_settings(model, sql_dialect=backend), log_level=logging.ERROR)
    _estimate_prior(linker, len(rows))
    say("scoring candidate pairs")
    predictions = linker.inference.predict(
        threshold_match_probability=threshold, warning_mode="never"
    )
    edges: list[Edge] = [
        (int(row["unique_id_l"]), int(row["unique_id_r"]), float(row["match_probability"]))
        for row in predictions.as_record_list()
    ]
    seconds["score"] = time.perf_counter() - mark

    mark = time.perf_counter()
    say(f"clustering {len(edges)} links")
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    clusters = {int(row["unique_id"]): row["cluster_id"] for row in clustered.as_record_list()}
    before = len(set(clusters.values()))
    by_uid = {row["unique_id"]: row for row in rows}
    clusters = split_conflicts(clusters, edges, by_uid)
    seconds["cluster"] = time.perf_counter() - mark

    names: dict[Any, str] = {}
    person_ids = []
    for row in rows:
        cluster = clusters[row["unique_id"]]
        if cluster not in names:
            names[cluster] = f"P{len(names) + 1:06d}"
        person_ids.append(names[cluster])
    seconds["total"] = time.perf_counter() - started
    return LinkResult(
        person_ids=person_ids, links=len(edges), clusters_split=len(names) - before, seconds=seconds
    )
