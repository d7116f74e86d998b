"""Person linkage benchmark: Concord's Chinese-aware linkage against a plain Splink configuration.

    python -m bench.linkage [--records 20000] [--seed N] [--train]

Both run on the same generated set (bench.people_generator, ground truth known) and are scored on
pairs: precision = true links among the pairs put in one person, recall = true pairs found, F1.

- concord: what `concord link` does (CSV in → normalise → Splink with the shipped model.json →
  clusters → never-merge split → CSV out), with the demo county's territory as the gazetteer.
- plain_splink: Splink as a newcomer would set it up on the raw columns: exact name, exact ID
  number, exact phone, exact address, exact birth date; blocking on each raw column; u by random
  sampling and m by EM (same seed), trained on the same training set as Concord's model; clusters
  at the same threshold.

Both models are trained on a set drawn with another seed than the one they are measured on. The
figures go to stdout as a table and to var/bench/linkage.json. `--train` first retrains Concord's
model on the training set and saves it to src/concord/people/linkage/model.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from math import comb
from pathlib import Path
from typing import Any

from bench.people_generator import (
    DEFAULT_SEED,
    GeneratedRecord,
    demo_unit_rows,
    generate_records,
    write_csv,
)

OUTPUT = Path("var/bench/linkage.json")
TRAINING_SEED_OFFSET = 1000


def pairwise_scores(predicted: Sequence[Any], truth: Sequence[Any]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the truth."""
    true_positive = sum(comb(n, 2) for n in Counter(zip(predicted, truth, strict=True)).values())
    predicted_pairs = sum(comb(n, 2) for n in Counter(predicted).values())
    true_pairs = sum(comb(n, 2) for n in Counter(truth).values())
    precision = true_positive / predicted_pairs if predicted_pairs else 1.0
    recall = true_positive / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
    }


# ---------------------------------------------------------------------------------------------
# Concord


def train_concord(training: Sequence[GeneratedRecord], gazetteer) -> float:
    from concord.people.linkage.batch import prepare
    from concord.people.linkage.training import save_model, train_model

    started = time.perf_counter()
    settings = train_model(prepare([r.as_input() for r in training], gazetteer))
    save_model(settings)
    return time.perf_counter() - started


def run_concord(records: Sequence[GeneratedRecord], gazetteer, threshold: float) -> dict[str, Any]:
    """`concord link` minus reading the territory from the database: CSV in, CSV out."""
    from concord.people.linkage.batch import link_records
    from concord.people.linkage.csvio import read_records, write_person_ids

    with tempfile.TemporaryDirectory() as folder:
        source = write_csv(Path(folder) / "people.csv", records)
        started = time.perf_counter()
        rows = read_records(source)
        result = link_records(rows, gazetteer=gazetteer, threshold=threshold)
        write_person_ids(
            Path(folder) / "out.csv", [r["record_id"] for r in rows], result.person_ids
        )
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "person_ids": result.person_ids,
        "people": result.people,
        "links": result.links,
        "clusters_split": result.clusters_split,
        "stages": {k: round(v, 3) for k, v in result.seconds.items()},
    }


# ---------------------------------------------------------------------------------------------
# Plain Splink


PLAIN_COLUMNS = ("name", "id_number", "phone", "address", "birth_date")


def _plain_table(records: Sequence[GeneratedRecord]):
    import pyarrow as pa

    def cell(value: str) -> str | None:
        return value or None

    return pa.Table.from_pylist(
        [
            {"unique_id": i, **{c: cell(getattr(r, c)) for c in PLAIN_COLUMNS}}
            for i, r in enumerate(records)
        ],
        schema=pa.schema([("unique_id", pa.int64()), *((c, pa.string()) for c in PLAIN_COLUMNS)]),
    )


def _plain_settings():
    from splink import SettingsCreator, block_on
    from splink import comparison_library as cl

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[cl.ExactMatch(column) for column in PLAIN_COLUMNS],
        blocking_rules_to_generate_predictions=[block_on(column) for column in PLAIN_COLUMNS],
        retain_matching_columns=False,
    )


def train_plain(training: Sequence[GeneratedRecord], seed: int) -> tuple[dict[str, Any], float]:
    from splink import DuckDBAPI, Linker, block_on

    started = time.perf_counter()
    db_api = DuckDBAPI()
    linker = Linker(
        db_api.register(_plain_table(training)), _plain_settings(), log_level=logging.ERROR
    )
    linker.training.estimate_probability_two_random_records_match(
        ["l.id_number = r.id_number"], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    for column in ("name", "id_number", "phone"):
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(column))
    return linker.misc.save_model_to_json(), time.perf_counter() - started


def run_plain(
    records: Sequence[GeneratedRecord], model: dict[str, Any], threshold: float
) -> dict[str, Any]:
    from splink import DuckDBAPI, Linker

    started = time.perf_counter()
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(_plain_table(records)), model, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        ["l.id_number = r.id_number"], recall=0.6
    )
    predictions = linker.inference.predict(
        threshold_match_probability=threshold, warning_mode="never"
    )
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    by_uid = {int(row["unique_id"]): row["cluster_id"] for row in clusters.as_record_list()}
    person_ids = [by_uid[i] for i in range(len(records))]
    return {
        "seconds": time.perf_counter() - started,
        "person_ids": person_ids,
        "people": len(set(person_ids)),
        "links": len(predictions.as_record_list()),
    }


# ---------------------------------------------------------------------------------------------


def run(records: int, seed: int, threshold: float, train: bool) -> dict[str, Any]:
    from concord.people.normalise import gazetteer_from_units

    gazetteer = gazetteer_from_units(demo_unit_rows())
    evaluation = generate_records(records, seed=seed)
    training = generate_records(records, seed=seed + TRAINING_SEED_OFFSET)
    truth = [r.person_id for r in evaluation]
    figures: dict[str, Any] = {
        "records": records,
        "people": len(set(truth)),
        "seed": seed,
        "training_seed": seed + TRAINING_SEED_OFFSET,
        "threshold": threshold,
        "machine": {
            "python": platform.python_version(),
            "processor": platform.machine(),
            "system": platform.system(),
        },
    }
    concord_training = train_concord(training, gazetteer) if train else None
    concord = run_concord(evaluation, gazetteer, threshold)
    plain_model, plain_training = train_plain(training, seed)
    plain = run_plain(evaluation, plain_model, threshold)
    for name, result, training_seconds in (
        ("concord", concord, concord_training),
        ("plain_splink", plain, plain_training),
    ):
        scores = pairwise_scores(result.pop("person_ids"), truth)
        figures[name] = {
            **{k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()},
            **{k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()},
            "training_seconds": round(training_seconds, 3) if training_seconds else None,
        }
    return figures


def render(figures: dict[str, Any]) -> str:
    rows = [
        ("", "Concord", "plain Splink"),
        *(
            (label, _fmt(figures["concord"][key]), _fmt(figures["plain_splink"][key]))
            for label, key in (
                ("precision", "precision"),
                ("recall", "recall"),
                ("F1", "f1"),
                ("seconds", "seconds"),
                ("people found", "people"),
                ("links", "links"),
            )
        ),
    ]
    lines = [
        f"Person linkage, {figures['records']} records of {figures['people']} people "
        f"(seed {figures['seed']}, threshold {figures['threshold']})"
    ]
    lines += [f"  {a:<14}{b:>14}{c:>16}" for a, b, c in rows]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) and value < 1 else str(value)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--threshold", type=float, default=None, help="default: the model's")
    parser.add_argument("--train", action="store_true", help="retrain Concord's model.json first")
    parser.add_argument("--output", default=str(OUTPUT))
    args = parser.parse_args(argv)
    from concord.people.linkage.model import DEFAULT_THRESHOLD

    figures = run(args.records, args.seed, args.threshold or DEFAULT_THRESHOLD, args.train)
    print(render(figures))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"figures → {output}")
    return figures


if __name__ == "__main__":
    main()
