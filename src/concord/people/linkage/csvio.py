"""The CSV files of `concord link` (DESIGN §6).

INPUT: header `record_id,name,id_number,phone,address,birth_date` (any order; other columns are
ignored), UTF-8 with or without a byte-order mark, or GB18030 (what Excel writes on a Chinese
Windows). OUTPUT: `record_id,person_id`, one row per input record in input order, UTF-8.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

INPUT_COLUMNS = ("record_id", "name", "id_number", "phone", "address", "birth_date")
OUTPUT_COLUMNS = ("record_id", "person_id")


class InputError(ValueError):
    """A problem with the input file, naming the row or the column."""


def decode(data: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped), else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is neither UTF-8 nor GB18030 (byte {exc.start})") from exc


def read_records(path: str | Path) -> list[dict[str, str]]:
    """The input rows as dicts of the six columns (missing cells are empty strings)."""
    text = decode(Path(path).read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lstrip("\ufeff").lower() for column in next(reader)]
    except StopIteration as exc:
        raise InputError(
            "the file is empty: it needs the header " + ",".join(INPUT_COLUMNS)
        ) from exc
    missing = [column for column in INPUT_COLUMNS if column not in header]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; the header must be {','.join(INPUT_COLUMNS)}"
        )
    position = {column: header.index(column) for column in INPUT_COLUMNS}
    records = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        record = {
            column: (row[i].strip() if i < len(row) else "") for column, i in position.items()
        }
        if not record["record_id"]:
            raise InputError(f"row {line}: record_id is empty")
        records.append(record)
    return records


def write_person_ids(
    path: str | Path, record_ids: Sequence[str], person_ids: Sequence[str]
) -> Path:
    """Write OUTPUT atomically: a reader never sees half a file."""
    if len(record_ids) != len(person_ids):
        raise ValueError("one person id per record")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(OUTPUT_COLUMNS)
            writer.writerows(zip(record_ids, person_ids, strict=True))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
