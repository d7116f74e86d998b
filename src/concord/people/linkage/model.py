"""The linkage model: Chinese-aware comparisons, blocking rules and the Splink settings built from them.

Each comparison level is written twice, side by side: as SQL for Splink (DuckDB's dialect, which
Splink translates for Spark) and as a Python predicate for the online pair scorer. The trained
parameters live in `model.json` beside this file, Splink's own JSON settings format; the scorer reads
them from there and checks that its levels carry the same labels in the same order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("model.json")
DEFAULT_BACKEND = "duckdb"
BACKENDS = ("duckdb", "spark")
# Records whose pair scores at or above this probability are one person (before the never-merge split).
DEFAULT_THRESHOLD = 0.9

Record = Mapping[str, Any]


# ---------------------------------------------------------------------------------------------
# String distances for the Python side (DuckDB has its own)


def levenshtein(a: str, b: str) -> int:
    if a == b:
        return 0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def damerau_levenshtein(a: str, b: str) -> int:
    """Edit distance where swapping two neighbouring characters is one edit."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


# ---------------------------------------------------------------------------------------------
# Levels and comparisons


@dataclass(frozen=True)
class Level:
    label: str
    sql: str | None  # DuckDB SQL over "<column>_l" / "<column>_r"; None for the else level
    test: Callable[[Record, Record], bool]
    null: bool = False
    tf: str | None = None  # term-frequency adjustment on this column (exact-match levels)

    def creator(self):
        from splink import comparison_level_library as cll

        if self.sql is None:
            return cll.ElseLevel().configure(label_for_charts=self.label)
        level = _level_class()(self.sql, label_for_charts=self.label, base_dialect_str="duckdb")
        options: dict[str, Any] = {}
        if self.null:
            options["is_null_level"] = True
        if self.tf:
            options["tf_adjustment_column"] = self.tf
        return level.configure(**options) if options else level


def _level_class():
    from splink import comparison_level_library as cll

    class ConcordLevel(cll.CustomLevel):
        """A custom level whose "__shared_phone__" becomes Splink's array intersection in the
        backend's own dialect (DuckDB's list functions, Spark's array functions)."""

        def create_sql(self, sql_dialect):
            sql = super().create_sql(sql_dialect)
            if _SHARED_PHONE_SQL in sql:
                shared = cll.ArrayIntersectLevel("phones", min_intersection=1).create_sql(
                    sql_dialect
                )
                sql = sql.replace(_SHARED_PHONE_SQL, f"({shared})")
            return sql

    return ConcordLevel


@dataclass(frozen=True)
class Comparison:
    column: str  # Splink's output_column_name
    description: str
    levels: tuple[Level, ...]

    def creator(self):
        from splink import comparison_library as cl

        return cl.CustomComparison(
            comparison_levels=[level.creator() for level in self.levels],
            output_column_name=self.column,
            comparison_description=self.description,
        )

    def level_of(self, left: Record, right: Record) -> int:
        """The index of the first level the pair falls in (the else level at the end)."""
        for index, level in enumerate(self.levels):
            if level.test(left, right):
                return index
        raise AssertionError(f"{self.column}: no level matched and there is no else level")


def _has(record: Record, column: str) -> bool:
    return record.get(column) is not None


def _same(column: str) -> Callable[[Record, Record], bool]:
    return lambda a, b: _has(a, column) and a.get(column) == b.get(column)


def _either_missing(*columns: str) -> Callable[[Record, Record], bool]:
    return lambda a, b: any(not _has(a, c) or not _has(b, c) for c in columns)


def _always(a: Record, b: Record) -> bool:
    return True


def _cut_short(a: Record, b: Record) -> bool:
    if not (_same("surname")(a, b) and _has(a, "name") and _has(b, "name")):
        return False
    x, y = a["name"], b["name"]
    return len(x) >= 2 and len(y) >= 2 and (y.startswith(x) or x.startswith(y))


def _unnamed_same_surname(a: Record, b: Record) -> bool:
    return (not _has(a, "name") or not _has(b, "name")) and _same("surname")(a, b)


def _ids_conflict(a: Record, b: Record) -> bool:
    return bool(a.get("id_checked")) and bool(b.get("id_checked"))


def _distance_at_most(column: str, limit: int, distance: Callable[[str, str], int]):
    return lambda a, b: (
        _has(a, column) and _has(b, column) and distance(a[column], b[column]) <= limit
    )


def _different(column: str) -> Callable[[Record, Record], bool]:
    return lambda a, b: _has(a, column) and _has(b, column) and a[column] != b[column]


def _shared_phone(a: Record, b: Record) -> bool:
    return bool(set(a.get("phones") or ()) & set(b.get("phones") or ()))


def _no_place(record: Record) -> bool:
    return not _has(record, "village_name") and not _has(record, "township")


def _same_village(a: Record, b: Record) -> bool:
    if _has(a, "village") and _has(b, "village"):
        return a["village"] == b["village"]
    return _same("village_name")(a, b)


def _same_group(a: Record, b: Record) -> bool:
    return _same_village(a, b) and _same("grp")(a, b)


def _group_unknown(a: Record, b: Record) -> bool:
    return _same_village(a, b) and (not _has(a, "grp") or not _has(b, "grp"))


_SAME_VILLAGE_SQL = (
    '(CASE WHEN "village_l" IS NOT NULL AND "village_r" IS NOT NULL THEN "village_l" = "village_r" '
    'ELSE "village_name_l" = "village_name_r" END)'
)

NAME = Comparison(
    "name",
    "Chinese name: exact, homophone (pinyin), cut short, surname of a 某 placeholder",
    (
        Level(
            "name missing",
            '"surname_l" IS NULL OR "surname_r" IS NULL',
            _either_missing("surname"),
            null=True,
        ),
        Level("same name", '"name_l" = "name_r"', _same("name"), tf="name"),
        Level("same pinyin", '"pinyin_l" = "pinyin_r"', _same("pinyin")),
        Level(
            "same pinyin with blurred sounds",
            '"pinyin_fuzzy_l" = "pinyin_fuzzy_r"',
            _same("pinyin_fuzzy"),
        ),
        Level(
            "one name cut short",
            '"surname_l" = "surname_r" AND length("name_l") >= 2 AND length("name_r") >= 2 AND '
            '("name_l" = substr("name_r", 1, length("name_l")) OR "name_r" = substr("name_l", 1, length("name_r")))',
            _cut_short,
        ),
        Level(
            "unnamed (某) with the same surname",
            '("name_l" IS NULL OR "name_r" IS NULL) AND "surname_l" = "surname_r"',
            _unnamed_same_surname,
        ),
        Level("same surname and initial", '"initials_l" = "initials_r"', _same("initials")),
        Level("same surname", '"surname_l" = "surname_r"', _same("surname")),
        Level("different names", None, _always),
    ),
)

ID_NUMBER = Comparison(
    "id_number",
    "ID number: exact, two valid numbers, one or two typing errors",
    (
        Level(
            "ID number missing",
            '"id_number_l" IS NULL OR "id_number_r" IS NULL',
            _either_missing("id_number"),
            null=True,
        ),
        Level("same ID number", '"id_number_l" = "id_number_r"', _same("id_number")),
        Level("two different valid ID numbers", '"id_checked_l" AND "id_checked_r"', _ids_conflict),
        Level(
            "one typing error or transposition",
            'damerau_levenshtein("id_number_l", "id_number_r") <= 1',
            _distance_at_most("id_number", 1, damerau_levenshtein),
        ),
        Level(
            "two typing errors",
            'levenshtein("id_number_l", "id_number_r") <= 2',
            _distance_at_most("id_number", 2, levenshtein),
        ),
        Level("different ID numbers", None, _always),
    ),
)

BIRTH = Comparison(
    "dob",
    "Birth date (from the ID number or as typed) and sex (from the ID number)",
    (
        Level(
            "birth date missing",
            '"dob_l" IS NULL OR "dob_r" IS NULL',
            _either_missing("dob"),
            null=True,
        ),
        Level("different sex", '"sex_l" <> "sex_r"', _different("sex")),
        Level("same birth date", '"dob_l" = "dob_r"', _same("dob")),
        Level(
            "birth date one digit apart",
            'damerau_levenshtein("dob_l", "dob_r") <= 1',
            _distance_at_most("dob", 1, damerau_levenshtein),
        ),
        Level("different birth dates", None, _always),
    ),
)


def _both_phones(a: Record, b: Record) -> bool:
    return _has(a, "phones") and _has(b, "phones")


def _no_contact(a: Record, b: Record) -> bool:
    return (not _both_phones(a, b)) and (_no_place(a) or _no_place(b))


def _all(*tests: Callable[[Record, Record], bool]) -> Callable[[Record, Record], bool]:
    return lambda a, b: all(test(a, b) for test in tests)


_BOTH_PHONES_SQL = '"phones_l" IS NOT NULL AND "phones_r" IS NOT NULL'
_SHARED_PHONE_SQL = "__shared_phone__"  # replaced per dialect by Splink's array intersection

# Phones and addresses are one comparison: a household shares both, so counting a shared phone and
# a shared village as two independent pieces of evidence would make spouses, parents and children
# one person. Trained jointly, "a phone in common and the same village" weighs what it is worth.
CONTACT = Comparison(
    "contact",
    "Phones (any number in common) and address (village, 村民小组, township), jointly",
    (
        Level(
            "no phone or address to compare",
            '("phones_l" IS NULL OR "phones_r" IS NULL) AND (("village_name_l" IS NULL AND "township_l" IS NULL) '
            'OR ("village_name_r" IS NULL AND "township_r" IS NULL))',
            _no_contact,
            null=True,
        ),
        Level(
            "a phone in common, same village",
            f"{_SHARED_PHONE_SQL} AND {_SAME_VILLAGE_SQL}",
            _all(_shared_phone, _same_village),
        ),
        Level("a phone in common", _SHARED_PHONE_SQL, _shared_phone),
        Level(
            "first phones one digit apart",
            'levenshtein("phone1_l", "phone1_r") <= 1',
            _distance_at_most("phone1", 1, levenshtein),
        ),
        Level(
            "same village and group, other phones",
            f'{_SAME_VILLAGE_SQL} AND "grp_l" = "grp_r" AND {_BOTH_PHONES_SQL}',
            _all(_same_group, _both_phones),
        ),
        Level("same village and group", f'{_SAME_VILLAGE_SQL} AND "grp_l" = "grp_r"', _same_group),
        Level(
            "same village, other phones",
            f"{_SAME_VILLAGE_SQL} AND {_BOTH_PHONES_SQL}",
            _all(_same_village, _both_phones),
        ),
        Level("same village", _SAME_VILLAGE_SQL, _same_village),
        Level("same township", '"township_l" = "township_r"', _same("township")),
        Level(
            "other phones, no address to compare",
            f'{_BOTH_PHONES_SQL} AND (("village_name_l" IS NULL AND "township_l" IS NULL) '
            'OR ("village_name_r" IS NULL AND "township_r" IS NULL))',
            lambda a, b: _both_phones(a, b) and (_no_place(a) or _no_place(b)),
        ),
        Level(
            "other places, no phones to compare",
            '"phones_l" IS NULL OR "phones_r" IS NULL',
            _either_missing("phones"),
        ),
        Level("other phones and other places", None, _always),
    ),
)

COMPARISONS: tuple[Comparison, ...] = (NAME, ID_NUMBER, BIRTH, CONTACT)

# Blocking keeps recall: a pair is scored when it shares any one of these keys.
BLOCKING_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("id_number",), ()),
    (("phones",), ("phones",)),  # any phone in common (the arrays are exploded)
    (("pinyin", "village_name"), ()),
    (("dob", "surname"), ()),
    (("surname", "village_name", "grp"), ()),
    (("pinyin_fuzzy", "township"), ()),
    # One typing error leaves the first ten or the last eight characters of an ID number intact.
    (("substr(id_number, 1, 10)", "surname"), ()),
    (("substr(id_number, -8)",), ()),
)

# EM sessions: each leaves some comparisons out, so every comparison is trained at least once.
# Not on a shared phone: spouses and parents share one, and EM would learn that a person's records
# often carry different names.
TRAINING_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("id_number",),
    ("pinyin", "village_name"),
)


def blocking_rules():
    from splink import block_on

    return [
        block_on(*columns, arrays_to_explode=list(arrays) or None)
        for columns, arrays in BLOCKING_RULES
    ]


def settings_creator(probability_two_random_records_match: float = 1e-4):
    """An untrained model: comparisons and blocking rules, as a Splink SettingsCreator."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[comparison.creator() for comparison in COMPARISONS],
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=probability_two_random_records_match,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def load_model(path: str | Path | None = None) -> dict[str, Any]:
    """The trained model: Splink's settings dictionary as saved in model.json."""
    return json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))


def trained_settings(
    model: Mapping[str, Any] | None = None, *, sql_dialect: str = DEFAULT_BACKEND
) -> dict[str, Any]:
    """Splink settings for a backend: the comparison SQL rebuilt in the backend's dialect (Splink
    translates it), with the trained m and u probabilities from the saved model."""
    model = dict(model or load_model())
    fresh = settings_creator(
        model.get("probability_two_random_records_match", 1e-4)
    ).create_settings_dict(sql_dialect)
    trained = {c["output_column_name"]: c for c in model["comparisons"]}
    for comparison in fresh["comparisons"]:
        saved = trained[comparison["output_column_name"]]
        if len(saved["comparison_levels"]) != len(comparison["comparison_levels"]):
            raise ValueError(
                f"model.json does not fit the comparison {comparison['output_column_name']!r}"
            )
        for level, saved_level in zip(
            comparison["comparison_levels"], saved["comparison_levels"], strict=True
        ):
            for key in ("m_probability", "u_probability", "tf_minimum_u_value"):
                if key in saved_level:
                    level[key] = saved_level[key]
    fresh["sql_dialect"] = sql_dialect
    return fresh


def linkage_backend() -> str:
    """The backend batch linkage runs on: the Django setting CONCORD_LINKAGE_BACKEND when settings
    are configured, else the environment variable of that name, else DuckDB."""
    backend = os.environ.get("CONCORD_LINKAGE_BACKEND")
    try:
        from django.conf import settings

        if settings.configured:
            backend = getattr(settings, "CONCORD_LINKAGE_BACKEND", None) or backend
    except ImportError:  # pragma: no cover - Django is always installed with Concord
        pass
    backend = (backend or DEFAULT_BACKEND).lower()
    if backend not in BACKENDS:
        raise ValueError(
            f"CONCORD_LINKAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}"
        )
    return backend


def database_api(backend: str | None = None):
    """A Splink database API for the backend: an in-memory DuckDB, or Spark on the active session."""
    backend = backend or linkage_backend()
    if backend == "spark":
        from pyspark.sql import SparkSession  # not a Concord dependency: installed where Spark runs
        from splink import SparkAPI

        return SparkAPI(spark_session=SparkSession.builder.getOrCreate())
    from splink import DuckDBAPI

    return DuckDBAPI()
