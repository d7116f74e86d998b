"""From a record as people typed it to the normalised columns the linkage model compares.

Pure Python: batch linkage turns every input row into these columns before Splink sees them, and
the online pair scorer uses the very same function, so both judge a pair alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from concord.people.normalise import (
    Gazetteer,
    fuzzy_pinyin_key,
    name_initials,
    normalise_birth_date,
    normalise_id_number,
    normalise_name,
    normalise_phones,
    parse_address,
    pinyin_key,
    surname,
)

# The columns, in order, with their Arrow types (see `feature_schema`).
FEATURE_COLUMNS: dict[str, str] = {
    "unique_id": "int64",
    "name": "string",  # normalised full name; null for a placeholder ("张某") or nothing
    "surname": "string",
    "pinyin": "string",
    "pinyin_fuzzy": "string",
    "initials": "string",  # surname pinyin + the given name's first letter: "zhang j"
    "id_number": "string",  # 18 digits when valid; else the cleaned characters as typed
    "id_checked": "bool",  # typed with 18 digits and a right check digit
    "id_valid": "bool",  # checked, or an upgraded 15-digit number
    "id_birth": "string",  # YYYYMMDD from a valid ID number (the never-merge rule reads it)
    "id_sex": "string",
    "dob": "string",  # YYYYMMDD: from a valid ID, else the birth_date field, else as the ID reads
    "sex": "string",
    "phones": "list<string>",
    "phone1": "string",
    "village": "string",  # the village's unit code when the territory resolves it
    "village_name": "string",  # its name stem as written ("张庄")
    "township": "string",  # the station's code, else the township stem as written
    "grp": "int64",  # 村民小组 number
}


def _none_if_empty(value: Any) -> Any:
    return value if value not in ("", [], None) else None


def _ymd(date: dt.date | None) -> str | None:
    return f"{date:%Y%m%d}" if date else None


def record_features(
    record: Mapping[str, Any],
    gazetteer: Gazetteer | None = None,
    *,
    unique_id: int = 0,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The model's columns for one record with the keys name, id_number, phone, address, birth_date
    (any of them missing or empty)."""
    raw_name = record.get("name") or ""
    name = normalise_name(raw_name)
    key = pinyin_key(name)
    id_info = normalise_id_number(record.get("id_number"), today=today)
    typed_birth = normalise_birth_date(record.get("birth_date"), today=today)
    dob = id_info.birth_date if id_info.valid else (typed_birth or id_info.birth_date)
    phones = normalise_phones(record.get("phone"))
    place = parse_address(record.get("address"), gazetteer)
    return {
        "unique_id": unique_id,
        "name": name if key else None,
        "surname": _none_if_empty(surname(name)),
        "pinyin": _none_if_empty(key),
        "pinyin_fuzzy": _none_if_empty(fuzzy_pinyin_key(name)),
        "initials": _none_if_empty(name_initials(name)),
        "id_number": _none_if_empty(id_info.number),
        "id_checked": id_info.checked,
        "id_valid": id_info.valid,
        "id_birth": _ymd(id_info.birth_date) if id_info.valid else None,
        "id_sex": (id_info.sex or None) if id_info.valid else None,
        "dob": _ymd(dob),
        "sex": id_info.sex or None,
        "phones": phones or None,
        "phone1": phones[0] if phones else None,
        "village": place.village,
        "village_name": _none_if_empty(place.village_name),
        "township": place.township or _none_if_empty(place.township_name),
        "grp": place.group,
    }


def never_same_person(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """DESIGN §4: two different valid 18-digit ID numbers, or two different birth dates or sexes
    read from valid ID numbers, are two different people, whatever else they share."""
    if a.get("id_checked") and b.get("id_checked") and a.get("id_number") != b.get("id_number"):
        return True
    if a.get("id_valid") and b.get("id_valid"):
        return a.get("id_birth") != b.get("id_birth") or a.get("id_sex") != b.get("id_sex")
    return False


def feature_schema():
    """The Arrow schema of the feature table."""
    import pyarrow as pa

    types = {
        "int64": pa.int64(),
        "string": pa.string(),
        "bool": pa.bool_(),
        "list<string>": pa.list_(pa.string()),
    }
    return pa.schema([(column, types[kind]) for column, kind in FEATURE_COLUMNS.items()])
