"""Load a county's unit tree from a CSV or JSON file (`concord import-territory`).

Accepted files
--------------

CSV (UTF-8 with or without BOM, UTF-16 with BOM, or GB18030/GBK as Chinese Excel saves it; comma-
or tab-separated) with a header row naming the columns::

    code,name,kind,parent_code,boundary

or in Chinese: 编码/代码, 名称, 类型/级别, 上级编码/上级代码, 边界. `boundary` is optional and
holds a GeoJSON Polygon/MultiPolygon as JSON text (quoted, since it contains commas). Row numbers in
errors are the spreadsheet's: the header is row 1.

JSON: a list of objects with the same fields, ``{"units": [...]}``, or a GeoJSON FeatureCollection
whose features carry the fields in ``properties`` and the boundary as ``geometry``. Row numbers in
errors are the 1-based position of the item (feature) in the list.

`kind` is one of bureau/station/post/village/grid or a Chinese name (区局/分局/公安局, 派出所,
警务室/片区/警务区, 村/社区/村(社区), 网格).

Semantics
---------

Rows may come in any order; they are created in tree order (bureau first). A parent may be in the
file or already in the database. A row whose code exists already updates the unit's name and
boundary when they differ (an empty boundary leaves the stored one alone) and is otherwise
unchanged; it may not change the unit's kind or parent (moving is `services.unit_move`). Every write
goes through `concord.territory.services`, so each has its audit row, and the whole import is one
transaction: any error anywhere and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.territory import geometry, services
from concord.territory.models import KIND_ORDER, PARENT_KIND, Unit, UnitKind

FIELDS = ("code", "name", "kind", "parent_code", "boundary")
REQUIRED_COLUMNS = ("code", "name", "kind", "parent_code")
OUTCOMES = ("created", "updated", "unchanged")

CODE_MAX_LENGTH = Unit._meta.get_field("code").max_length
NAME_MAX_LENGTH = Unit._meta.get_field("name").max_length

# Header names (after _normalise_key) → field.
_HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "代码", "单位编码", "单位代码"),
    "name": ("name", "名称", "单位名称"),
    "kind": ("kind", "type", "类型", "级别", "单位类型", "单位级别"),
    "parent_code": (
        "parent_code",
        "parent",
        "上级编码",
        "上级代码",
        "上级单位编码",
        "上级单位代码",
    ),
    "boundary": ("boundary", "geometry", "边界", "边界范围"),
}

# Kind names (after _normalise_key) → UnitKind value.
_KIND_NAMES: dict[str, tuple[str, ...]] = {
    UnitKind.BUREAU: ("bureau", "区局", "分局", "公安局", "公安分局", "县局", "县公安局"),
    UnitKind.STATION: ("station", "派出所"),
    UnitKind.POST: ("post", "警务室", "片区", "警务区"),
    UnitKind.VILLAGE: ("village", "村", "社区", "村(社区)", "村/社区", "村居"),
    UnitKind.GRID: ("grid", "网格"),
}

# Characters that survive str.strip() but are never meant as content (BOM, zero-width space).
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


def _normalise_key(value: str) -> str:
    """Fold width and case, drop blanks: '上级 编码', 'Parent-Code', '村（社区）' compare equal to their plain forms."""
    folded = unicodedata.normalize("NFKC", value).strip(_INVISIBLE).lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in _INVISIBLE).replace(
        "-", "_"
    )


HEADER_ALIASES: dict[str, str] = {
    _normalise_key(name): fld for fld, names in _HEADER_NAMES.items() for name in names
}
KIND_ALIASES: dict[str, str] = {
    _normalise_key(name): str(kind) for kind, names in _KIND_NAMES.items() for name in names
}


# --------------------------------------------------------------------------------------------------
# Results and errors


@dataclass(frozen=True)
class RowError:
    """One problem, placed at a row (None: the file as a whole) and a field (None: the whole row)."""

    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.field is None:
            return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("row %(row)s, field %(field)s: %(message)s") % {
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }


class ImportFailed(Exception):
    """The file was rejected; nothing was written. `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class UnitRow:
    """One unit as read from the file, cleaned but not yet checked against the tree."""

    row: int
    code: str = ""
    name: str = ""
    kind: str | None = None  # a UnitKind value; None when missing or not understood
    parent_code: str = ""
    boundary: dict[str, Any] | None = None
    # How the file names each field (its header or key), so errors speak the file's language.
    labels: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def label(self, fld: str) -> str:
        return self.labels.get(fld, fld)

    def error(self, fld: str | None, message: str) -> None:
        self.errors.append(RowError(self.row, self.label(fld) if fld else None, message))


@dataclass
class ImportResult:
    rows: int
    dry_run: bool
    # kind → {"created": n, "updated": n, "unchanged": n}
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {str(k): dict.fromkeys(OUTCOMES, 0) for k in KIND_ORDER}
    )

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())


Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------------------------------
# Reading


def decode(data: bytes) -> str:
    """Text of a file from a Chinese office: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed(
        [
            RowError(
                None,
                None,
                _(
                    "The file is neither UTF-8 nor GBK/GB18030 text; save it as “CSV UTF-8” and try again."
                ),
            )
        ]
    )


def _text(value: Any) -> str | None:
    """A cell or JSON value as stripped text; None when the value is not text-like."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        return None
    return value.strip().strip(_INVISIBLE).strip()


def _code(value: str) -> str:
    # Full-width digits and letters (４１１６０３) typed in a Chinese input method mean the plain ones.
    return unicodedata.normalize("NFKC", value).strip()


def _parse_boundary(unit: UnitRow, value: Any) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            unit.error("boundary", _("The boundary is not valid JSON: %(error)s") % {"error": exc})
            return
    try:
        unit.boundary = geometry.normalise(value)
    except (geometry.GeometryError, AttributeError, TypeError) as exc:
        unit.error(
            "boundary", _("The boundary is not a valid GeoJSON polygon: %(error)s") % {"error": exc}
        )


def _build_row(row: int, values: dict[str, Any], labels: dict[str, str]) -> UnitRow:
    """Clean one record's raw values (field → value) into a UnitRow, noting what is wrong with it."""
    unit = UnitRow(row=row, labels=labels)
    texts: dict[str, str] = {}
    for fld in ("code", "name", "kind", "parent_code"):
        text = _text(values.get(fld))
        if text is None:
            unit.error(
                fld,
                _("Expected text, not %(value)s.") % {"value": json.dumps(values.get(fld))[:40]},
            )
            text = ""
        texts[fld] = text
    unit.code, unit.name = _code(texts["code"]), texts["name"]
    unit.parent_code = _code(texts["parent_code"])

    if not unit.code:
        unit.error("code", _("A unit needs a code."))
    elif "/" in unit.code:
        unit.error("code", _("A unit code may not contain “/”."))
    elif len(unit.code) > CODE_MAX_LENGTH:
        unit.error(
            "code", _("The code is longer than %(max)s characters.") % {"max": CODE_MAX_LENGTH}
        )
    if not unit.name:
        unit.error("name", _("A unit needs a name."))
    elif len(unit.name) > NAME_MAX_LENGTH:
        unit.error(
            "name", _("The name is longer than %(max)s characters.") % {"max": NAME_MAX_LENGTH}
        )

    if not texts["kind"]:
        unit.error("kind", _("A unit needs a kind."))
    else:
        unit.kind = KIND_ALIASES.get(_normalise_key(texts["kind"]))
        if unit.kind is None:
            unit.error(
                "kind",
                _(
                    "Unknown unit kind “%(kind)s”; use bureau, station, post, village or grid "
                    "(or 区局, 派出所, 警务室, 村(社区), 网格)."
                )
                % {"kind": texts["kind"]},
            )
    _parse_boundary(unit, values.get("boundary"))
    return unit


def parse_csv(text: str) -> list[UnitRow]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = "\t" if "\t" in first and "," not in first else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    header: list[str] | None = None
    header_row = 0
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    units: list[UnitRow] = []
    for number, record in enumerate(records, start=1):
        cells = [c.strip().strip(_INVISIBLE).strip() for c in record]
        if not any(cells):
            continue
        if header is None:
            header, header_row = cells, number
            columns, labels = _read_header(header, header_row)
            continue
        values = {fld: cells[i] if i < len(cells) else "" for fld, i in columns.items()}
        unit = _build_row(number, values, labels)
        extra = [c for c in cells[len(header) :] if c]
        if extra:
            unit.error(
                None,
                _(
                    "This row has %(cells)s cells but the header has %(columns)s columns; does a value "
                    "with commas in it (such as the boundary) lack its quotes?"
                )
                % {"cells": len(cells), "columns": len(header)},
            )
        units.append(unit)
    if header is None:
        raise ImportFailed([RowError(None, None, _("The file is empty."))])
    return units


def _read_header(header: list[str], row: int) -> tuple[dict[str, int], dict[str, str]]:
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    errors: list[RowError] = []
    for index, name in enumerate(header):
        fld = HEADER_ALIASES.get(_normalise_key(name))
        if fld is None:
            continue  # extra columns (remarks, population…) are ignored
        if fld in columns:
            errors.append(
                RowError(
                    row,
                    name,
                    _("Columns “%(first)s” and “%(second)s” both give the %(field)s.")
                    % {"first": labels[fld], "second": name, "field": fld},
                )
            )
            continue
        columns[fld], labels[fld] = index, name
    for fld in REQUIRED_COLUMNS:
        if fld not in columns:
            errors.append(
                RowError(
                    row,
                    fld,
                    _("The header has no column for this field (expected one of: %(names)s).")
                    % {"names": ", ".join(_HEADER_NAMES[fld])},
                )
            )
    if errors:
        raise ImportFailed(errors)
    return columns, labels


def _item_values(item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for key, value in item.items():
        fld = HEADER_ALIASES.get(_normalise_key(str(key)))
        if fld is not None and fld not in values:
            values[fld], labels[fld] = value, str(key)
    return values, labels


def parse_json(text: str) -> list[UnitRow]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            [
                RowError(
                    None,
                    None,
                    _("The file is not valid JSON (line %(line)s, column %(column)s): %(error)s")
                    % {"line": exc.lineno, "column": exc.colno, "error": exc.msg},
                )
            ]
        ) from exc

    features = isinstance(document, dict) and document.get("type") == "FeatureCollection"
    if features:
        items = document.get("features")
    elif isinstance(document, dict):
        items = document.get("units")
    else:
        items = document
    if not isinstance(items, list):
        raise ImportFailed(
            [
                RowError(
                    None,
                    None,
                    _(
                        "Expected a list of units, an object with a “units” list, or a GeoJSON FeatureCollection."
                    ),
                )
            ]
        )

    units: list[UnitRow] = []
    for number, item in enumerate(items, start=1):
        if features:
            if not isinstance(item, dict) or not isinstance(item.get("properties") or {}, dict):
                units.append(_bad_item(number, _("Expected a GeoJSON Feature with “properties”.")))
                continue
            values, labels = _item_values(item.get("properties") or {})
            if item.get("geometry") is not None:
                values["boundary"], labels["boundary"] = item["geometry"], "geometry"
        elif isinstance(item, dict):
            values, labels = _item_values(item)
        else:
            units.append(
                _bad_item(number, _("Expected an object with code, name, kind and parent_code."))
            )
            continue
        units.append(_build_row(number, values, labels))
    return units


def _bad_item(number: int, message: str) -> UnitRow:
    unit = UnitRow(row=number)
    unit.error(None, message)
    return unit


def read_units(path: str | Path) -> list[UnitRow]:
    """Parse a CSV or JSON file into rows; file-level problems raise ImportFailed."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(
            [
                RowError(
                    None,
                    None,
                    _("Cannot read %(path)s: %(error)s")
                    % {"path": path, "error": exc.strerror or exc},
                )
            ]
        ) from exc
    text = decode(data)
    suffix = path.suffix.lower()
    is_json = suffix in (".json", ".geojson") or (
        suffix not in (".csv", ".txt", ".tsv") and text.lstrip().startswith(("[", "{"))
    )
    units = parse_json(text) if is_json else parse_csv(text)
    if not units:
        raise ImportFailed([RowError(None, None, _("The file contains no units."))])
    return units


# --------------------------------------------------------------------------------------------------
# Checking and writing


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def import_file(
    path: str | Path,
    *,
    actor: User | None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    return import_units(read_units(path), actor=actor, dry_run=dry_run, progress=progress)


def import_units(
    units: list[UnitRow],
    *,
    actor: User | None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Create or update every unit in one transaction; raise ImportFailed (having written nothing)
    listing every error when any row is wrong. A dry run does all the same work and rolls back."""
    result = ImportResult(rows=len(units), dry_run=dry_run)
    try:
        with transaction.atomic():
            errors = _import(units, actor=actor, result=result, progress=progress)
            if errors:
                raise ImportFailed(errors)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _import(
    units: list[UnitRow],
    *,
    actor: User | None,
    result: ImportResult,
    progress: Progress | None,
) -> list[RowError]:
    failed: set[int] = {u.row for u in units if u.errors}

    def reject(unit: UnitRow, fld: str | None, message: str) -> None:
        unit.error(fld, message)
        failed.add(unit.row)

    # One row per code: later rows with the same code are errors.
    by_code: dict[str, UnitRow] = {}
    for unit in units:
        if not unit.code:
            continue
        first = by_code.setdefault(unit.code, unit)
        if first is not unit:
            reject(
                unit,
                "code",
                _("The code %(code)s is also used in row %(row)s.")
                % {"code": unit.code, "row": first.row},
            )

    existing = _load_units(
        {u.code for u in by_code.values()} | {u.parent_code for u in units if u.parent_code}
    )
    cycles = _cycles(by_code)

    for unit in by_code.values():
        if unit.code in cycles:
            reject(
                unit,
                "parent_code",
                _("The chain of parent codes loops back to this unit: %(chain)s.")
                % {"chain": " → ".join(cycles[unit.code])},
            )
        elif unit.kind is not None:
            _check_against_tree(unit, by_code, existing, reject)

    # Create in tree order, so every parent exists before its children.
    todo = sorted(
        (u for u in by_code.values() if u.kind is not None and u.code not in cycles),
        key=lambda u: (KIND_ORDER.index(u.kind), u.row),
    )
    available: dict[str, Unit] = dict(existing)
    for done, unit in enumerate(todo, start=1):
        if progress is not None:
            progress(done, len(todo))
        if unit.row in failed:
            continue
        parent = available.get(unit.parent_code) if unit.parent_code else None
        if unit.parent_code and parent is None:
            failed.add(unit.row)  # its parent row failed; that row's error says why
            continue
        try:
            outcome, saved = _write(
                unit, parent=parent, current=existing.get(unit.code), actor=actor
            )
        except ValidationError as exc:
            for fld, messages in _validation_messages(exc):
                reject(unit, fld, " ".join(messages))
            continue
        except DatabaseError as exc:
            reject(unit, None, _("The database refused this row: %(error)s") % {"error": exc})
            continue
        available[unit.code] = saved
        result.counts[unit.kind][outcome] += 1

    field_order = {label: i for i, label in enumerate(FIELDS)}
    errors = [e for u in units for e in u.errors]
    return sorted(errors, key=lambda e: (e.row or 0, field_order.get(e.field or "", -1)))


def _check_against_tree(
    unit: UnitRow,
    by_code: dict[str, UnitRow],
    existing: dict[str, Unit],
    reject: Callable[[UnitRow, str | None, str], None],
) -> None:
    """What can be known before writing: the parent exists and is of the right kind, and an existing
    unit keeps its kind and parent."""
    current = existing.get(unit.code)
    if current is not None:
        current_parent = current.parent.code if current.parent else ""
        if current.kind != unit.kind:
            reject(
                unit,
                "kind",
                _(
                    "Unit %(code)s already exists as a %(current)s; an import cannot change its kind."
                )
                % {"code": unit.code, "current": UnitKind(current.kind).label},
            )
        elif current_parent != unit.parent_code:
            reject(
                unit,
                "parent_code",
                _(
                    "Unit %(code)s already lies under %(parent)s; an import does not move units "
                    "(move it in the territory admin first)."
                )
                % {"code": unit.code, "parent": current_parent or "—"},
            )
        return

    expected = PARENT_KIND[unit.kind]
    if not unit.parent_code:
        if expected is not None:
            reject(unit, "parent_code", _placement_message(unit.kind, expected))
        return
    if expected is None:
        reject(unit, "parent_code", _("A bureau is the root of the tree and has no parent unit."))
        return
    parent_unit, parent_row = existing.get(unit.parent_code), by_code.get(unit.parent_code)
    if parent_unit is None and parent_row is None:
        reject(
            unit,
            "parent_code",
            _("No unit with code %(code)s in the file or in the database.")
            % {"code": unit.parent_code},
        )
        return
    parent_kind = parent_unit.kind if parent_unit is not None else parent_row.kind
    if parent_kind is not None and parent_kind != expected:
        reject(
            unit,
            "parent_code",
            _(
                "A %(kind)s must lie directly inside a %(expected)s, but %(code)s is a %(parent_kind)s."
            )
            % {
                "kind": UnitKind(unit.kind).label,
                "expected": UnitKind(expected).label,
                "code": unit.parent_code,
                "parent_kind": UnitKind(parent_kind).label,
            },
        )


def _placement_message(kind: str, expected: str) -> str:
    # Same message as services._check_placement, so it shares its translation.
    return _("A %(kind)s must lie directly inside a %(expected)s.") % {
        "kind": UnitKind(kind).label,
        "expected": UnitKind(expected).label,
    }


def _write(
    unit: UnitRow, *, parent: Unit | None, current: Unit | None, actor: User | None
) -> tuple[str, Unit]:
    if current is None:
        created = services.unit_create(
            actor=actor,
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            parent=parent,
            boundary=unit.boundary,
        )
        return "created", created
    changes: dict[str, Any] = {}
    if unit.name != current.name:
        changes["name"] = unit.name
    if unit.boundary is not None and unit.boundary != current.boundary:
        changes["boundary"] = unit.boundary
    if not changes:
        return "unchanged", current
    return "updated", services.unit_update(actor=actor, unit=current, **changes)


_SERVICE_FIELDS = {"parent": "parent_code"}


def _validation_messages(exc: ValidationError) -> Iterable[tuple[str | None, list[str]]]:
    if hasattr(exc, "error_dict"):
        for fld, errors in exc.error_dict.items():
            name = _SERVICE_FIELDS.get(fld, fld)
            yield (name if name in FIELDS else None), [m for e in errors for m in e.messages]
    else:
        yield None, exc.messages


def _load_units(codes: set[str]) -> dict[str, Unit]:
    ordered = sorted(codes)
    found: dict[str, Unit] = {}
    for start in range(0, len(ordered), 500):
        for unit in Unit.objects.select_related("parent").filter(
            code__in=ordered[start : start + 500]
        ):
            found[unit.code] = unit
    return found


def _cycles(by_code: dict[str, UnitRow]) -> dict[str, list[str]]:
    """Codes whose parent chain within the file comes back to them → the loop, starting there."""
    loops: dict[str, list[str]] = {}
    seen: set[str] = set()
    for start in by_code:
        chain: list[str] = []
        position: dict[str, int] = {}
        code = start
        while code in by_code and code not in seen and code not in position:
            position[code] = len(chain)
            chain.append(code)
            code = by_code[code].parent_code
        if code in position:
            loop = chain[position[code] :]
            for i, member in enumerate(loop):
                loops[member] = [*loop[i:], *loop[:i], member]
        seen.update(chain)
    return loops


# --------------------------------------------------------------------------------------------------
# Reporting


def summary_lines(result: ImportResult) -> list[str]:
    lines = [
        _("Dry run: nothing was written. The import would give:")
        if result.dry_run
        else _("Imported %(rows)s rows:") % {"rows": result.rows}
    ]
    for kind in KIND_ORDER:
        counts = result.counts[str(kind)]
        if any(counts.values()):
            lines.append(
                "  "
                + _("%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
                % {"kind": UnitKind(kind).label, **counts}
            )
    lines.append(
        "  "
        + _("Total: %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
        % {outcome: result.total(outcome) for outcome in OUTCOMES}
    )
    return lines


def failure_report(exc: ImportFailed) -> str:
    heading = _("The file was not imported and nothing was written; %(count)s error(s):") % {
        "count": len(exc.errors)
    }
    return "\n".join([heading, *(f"  {e}" for e in exc.errors)])
