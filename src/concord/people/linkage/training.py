"""Training the linkage model: u from random sampling, m by expectation maximisation, seeded.

    train_model(feature_rows) → Splink's settings dictionary with the trained parameters
    save_model(settings) → writes src/concord/people/linkage/model.json (text, reviewable)

`python -m bench.linkage --train` retrains it on the bench generator's records.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from concord.people.linkage.model import MODEL_PATH, TRAINING_BLOCKS, database_api, settings_creator

TRAINING_SEED = 20260301
U_MAX_PAIRS = 5e6
# Deterministic rules that almost surely join one person's records, for the prior; and how many
# of all true pairs they are believed to find.
PRIOR_RULES = (
    "l.id_number = r.id_number AND l.id_checked",
    "l.phone1 = r.phone1 AND l.name = r.name",
)
PRIOR_RECALL = 0.6
UNSEEN_M = 1e-4


def train_model(
    rows: Sequence[dict[str, Any]],
    *,
    seed: int = TRAINING_SEED,
    backend: str = "duckdb",
    log_level: int = logging.WARNING,
) -> dict[str, Any]:
    """Train on feature rows (see `features.record_features`) and return the settings dictionary."""
    from splink import Linker, block_on

    from concord.people.linkage.batch import feature_table

    db_api = database_api(backend)
    table = db_api.register(feature_table(rows), dataset_display_name="people")
    linker = Linker(table, settings_creator(), log_level=log_level)
    linker.training.estimate_probability_two_random_records_match(
        list(PRIOR_RULES), recall=PRIOR_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
    for columns in TRAINING_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns),
            estimate_without_term_frequencies=True,
        )
    return _floor_untrained(linker.misc.save_model_to_json(out_path=None))


def _floor_untrained(settings: dict[str, Any]) -> dict[str, Any]:
    """A level EM never saw among matches (two different valid ID numbers, different sexes) gets
    a small m instead of Splink's generic default, which would make it count for a match."""
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and "m_probability" not in level:
                level["m_probability"] = UNSEEN_M
    return settings


def save_model(settings: dict[str, Any], path: str | Path | None = None) -> Path:
    """Write the settings as model.json; the same training run gives the same file, byte for byte
    (the linker's random id is left out: Splink draws a new one when it loads the model)."""
    settings = {key: value for key, value in settings.items() if key != "linker_uid"}
    path = Path(path or MODEL_PATH)
    path.write_text(
        json.dumps(settings, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return path
