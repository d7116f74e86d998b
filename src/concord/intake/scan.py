"""`concord scan-calls FILE`: police call records (110警情) become leads (DESIGN §6).

FILE is CSV (UTF-8 with or without a byte-order mark, or GB18030 as Excel writes it on a Chinese
Windows) or XLSX (the first sheet), with the header `call_id,received_at,caller_name,caller_phone,
address,text` or its Chinese form 警情编号, 报警时间, 报警人, 联系电话, 发生地址, 简要警情 (a title row
above the header is skipped; other columns are ignored).

The file is streamed, never loaded whole: rows are read (csv reader / openpyxl read-only) into
batches of `BATCH_SIZE`, and each batch is

1. classified at once (`classifier.get_classifier().predict`); a call that is not a dispute only
   counts in the summary;
2. placed: the address is read against the territory's gazetteer (cached): a village gives the
   station through its path, and the grid the address names ("第2网格"), else the village's first
   grid — the rule `intake.services.lead_create` follows, so the call lands in a grid worker's and
   the village auxiliary's lists and triage can move it; an address naming no village but a
   township or a station's place name ("白楼镇政府门口", "107国道白楼段") gives that station and no
   grid; an address that names nothing in the county is **unplaced**: `Lead.station` is required
   and a lead put in an arbitrary station would be lost in its queue, so no lead is made, the call
   counts in the summary's `unplaced` and its row is listed in a warning on stderr;
3. linked: the caller's phone, normalised, is looked up among the persons' phone keys in one query
   for the batch; exactly one active person with that phone becomes `Lead.reporter_person`, and a
   phone shared by several persons (a household's landline) links no one. No person is created for
   a new caller: a caller is often a bystander or a relative, and who the parties are is decided at
   triage, where registering the case links its parties (`people.services.party_link`);
4. counted for repeats (`repeats.ReportCounter`): dispute reports about the same caller (phone or
   linked person) or the same specific address in the twelve months up to the call, from the leads
   already on record — which include this file's earlier batches, committed as the scan goes — the
   disputes' parties, and the batch itself. Memory holds one batch, never a counter per caller, so
   it stays flat however long the file. For a file in time order a second run counts exactly as
   the first;
5. graded with the risk engine (`risk.engine.assess`: the lexicon's flags, people stated, reports
   in 12 months — three or more raise `repeat`), matched against the open disputes
   (`repeats.OpenDisputeIndex`, loaded once) for `repeat_of`, and written: ONE lead per dispute
   call (channel police_call, source_system "110", source_ref = call id, reporter_phone
   normalised, priority 3/2/1 for red/orange/yellow) in one transaction per batch, by the
   statement `bulk_create(ignore_conflicts=True)` issues (`LeadWriter`, which skips bulk_create's
   per-row overhead). The unique (channel, source_system, source_ref) makes a second run of the
   same file create nothing.

Memory: one batch of calls, the territory (a few thousand units), the open disputes, one window of
dispute parties, and bounded caches (places by address, phones); nothing grows with the file.

Bad rows (no call id, no text, a received_at that is not a possible date and time) are counted and
reported with their row number (the row as a spreadsheet shows it, the header's row counted); they
never stop the scan.

Summary (stdout, and SUMMARY): {"calls", "disputes", "leads_created", "repeats", "by_category",
"by_flag", "seconds"} as DESIGN §6 fixes them, plus "unplaced", "bad_rows" and
"open_dispute_matches". `calls` counts every non-blank data row (bad ones too); `disputes`,
`by_category`, `by_flag` and `repeats` count the dispute calls (a lead's flags; `repeats` are those
flagged `repeat`), whether or not a lead was new or could be placed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import time
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.disputes.models import Channel
from concord.intake import classifier as classifier_module
from concord.intake.models import Lead
from concord.intake.repeats import (
    OpenDisputeIndex,
    Report,
    ReportCounter,
    lead_ref,
    place_key,
    specific_address,
    tidy_address,
)
from concord.people.normalise import (
    chinese_number,
    clean_text,
    parse_address,
    place_stem,
)
from concord.risk import engine, loader
from concord.risk.model import FLAGS, Inputs

BATCH_SIZE = 5000
SOURCE_SYSTEM = "110"
CHANNEL = Channel.POLICE_CALL
PRIORITY = {"red": 3, "orange": 2, "yellow": 1}
CATEGORY_CODES = frozenset(loader.CATEGORY_CODES)
EARLIEST = dt.datetime(1990, 1, 1)  # 110 records before this are impossible (and typos)

COLUMNS = ("call_id", "received_at", "caller_name", "caller_phone", "address", "text")
REQUIRED = ("call_id", "received_at", "text")
HEADER_NAMES = {
    "call_id": ("call_id", "警情编号", "接警编号", "警情号", "编号"),
    "received_at": ("received_at", "报警时间", "接警时间", "报警日期"),
    "caller_name": ("caller_name", "报警人", "报警人姓名"),
    "caller_phone": ("caller_phone", "联系电话", "报警电话", "报警人电话"),
    "address": ("address", "发生地址", "案发地址", "事发地址", "报警地址"),
    "text": ("text", "简要警情", "警情内容", "简要案情", "报警内容"),
}
_HEADER = {name: column for column, names in HEADER_NAMES.items() for name in names}
HEADER_SEARCH_ROWS = 10  # a title row or two may stand above the header


class ScanError(Exception):
    """The file cannot be scanned at all (unreadable, or without the columns it needs)."""


class BadValue(ValueError):
    """One row cannot be used; the message says why."""


@dataclass
class Summary:
    calls: int = 0
    disputes: int = 0
    leads_created: int = 0
    repeats: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_flag: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    unplaced: int = 0
    bad_rows: int = 0
    open_dispute_matches: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "disputes": self.disputes,
            "leads_created": self.leads_created,
            "repeats": self.repeats,
            "by_category": dict(sorted(self.by_category.items())),
            "by_flag": {f: self.by_flag[f] for f in FLAGS if self.by_flag[f]},
            "seconds": round(self.seconds, 3),
            "unplaced": self.unplaced,
            "bad_rows": self.bad_rows,
            "open_dispute_matches": self.open_dispute_matches,
        }


@dataclass(frozen=True)
class Call:
    row: int
    call_id: str
    received_at: dt.datetime
    caller_name: str
    caller_phone: str
    address: str
    text: str


# --- reading -------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps 13800138000 and 20250304001 as numbers
    return str(value).strip()


def _header_columns(cells: list[Any]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = re.sub(r"[\s*＊:：]", "", _cell(cell).lstrip("\ufeff")).lower()
        column = _HEADER.get(name)
        if column and column not in found:
            found[column] = i
    return found if all(c in found for c in REQUIRED) else None


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    with path.open("rb") as raw:
        encoding = _detect_encoding(raw.read(1 << 16))
        raw.seek(0)
        # A stray undecodable byte becomes U+FFFD in its row rather than stopping the scan.
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(text)
        number = 0
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a runaway quote, a field past the limit: that row only
                yield number, BadValue(str(exc))
                continue
            yield number, row


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        message = _("%(file)s is not a readable XLSX file: %(error)s")
        raise ScanError(message % {"file": path.name, "error": exc}) from exc
    try:
        sheet = book.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        book.close()


def _is_xlsx(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"PK\x03\x04"


def read_rows(path: str | Path) -> Iterator[tuple[int, dict[str, Any] | BadValue]]:
    """(row number, {column: raw value}) for every non-blank data row, streamed; a row the CSV
    reader cannot read at all comes as (row number, BadValue)."""
    path = Path(path)
    if not path.is_file():
        raise ScanError(_("%(file)s: no such file") % {"file": path})
    rows = _xlsx_rows(path) if _is_xlsx(path) else _csv_rows(path)
    columns = None
    for number, cells in rows:
        if isinstance(cells, BadValue):
            if columns is not None:
                yield number, cells
            continue
        cells = list(cells or ())
        if columns is None:
            columns = _header_columns(cells)
            if columns is None and number >= HEADER_SEARCH_ROWS:
                break
            continue
        if not any(_cell(c) for c in cells):
            continue
        yield number, {c: (cells[i] if i < len(cells) else None) for c, i in columns.items()}
    if columns is None:
        raise ScanError(
            _(
                "No header row found: the file needs the columns %(columns)s "
                "(or 警情编号, 报警时间, 报警人, 联系电话, 发生地址, 简要警情)."
            )
            % {"columns": ",".join(COLUMNS)}
        )


_DATETIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[\sT]*(\d{1,2})[:：时点](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?分?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$")


def _parse_text_time(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)  # "2025-03-04 13:22:05", the common form, in C
    except ValueError:
        pass
    found = _DATETIME.match(text) or _COMPACT.match(text)
    try:
        if not found:
            raise ValueError(text)
        return dt.datetime(*(int(p) if p else 0 for p in found.groups()))
    except ValueError as exc:
        message = _("“%(value)s” is not a possible date and time") % {"value": text}
        raise BadValue(message) from exc


def parse_received_at(value: Any, tz: dt.tzinfo, now: dt.datetime) -> dt.datetime:
    """A call's time, aware; naive times are in the bureau's time zone. Raises BadValue when the
    value is no possible time of a 110 call (unreadable, impossible, before 1990, in the future)."""
    if isinstance(value, dt.datetime):
        at = value
    elif isinstance(value, dt.date):
        at = dt.datetime.combine(value, dt.time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 30000 <= value <= 80000:  # an Excel serial date 1982–2119
            raise BadValue(_("“%(value)s” is not a date and time") % {"value": value})
        from openpyxl.utils.datetime import from_excel

        at = from_excel(value)
    else:
        text = _cell(value)
        if not text:
            raise BadValue(_("received_at is empty"))
        at = _parse_text_time(text)
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    if at < EARLIEST.replace(tzinfo=tz) or at > now + dt.timedelta(days=1):
        raise BadValue(_("%(value)s is not a possible time for a call") % {"value": at.isoformat()})
    return at


def to_call(number: int, raw: dict[str, Any], tz: dt.tzinfo, now: dt.datetime) -> Call:
    """A checked call, or BadValue naming what is wrong."""
    call_id = _cell(raw.get("call_id"))
    text = _cell(raw.get("text"))
    if not call_id:
        raise BadValue(_("the call number (call_id) is empty"))
    if len(call_id) > 80:
        raise BadValue(_("the call number (call_id) is longer than 80 characters"))
    if not text:
        raise BadValue(_("the call text is empty"))
    return Call(
        row=number,
        call_id=call_id,
        received_at=parse_received_at(raw.get("received_at"), tz, now),
        caller_name=_cell(raw.get("caller_name")),
        caller_phone=_cell(raw.get("caller_phone")),
        address=_cell(raw.get("address")),
        text=text,
    )


# --- placing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    station_id: int
    village_code: str | None = None
    grid_id: int | None = None


_CITY_KINDS = frozenset("市省县")
_GRID_NUMBER = re.compile(r"第?([0-9]{1,2}|[一二三四五六七八九十]{1,3})网格")


class Territory:
    """The county's stations, villages and grids in memory (a few thousand rows), and addresses
    placed against them through the gazetteer, cached."""

    def __init__(self, gazetteer, cache_size: int = 65536) -> None:
        from concord.territory.models import Unit, UnitKind

        rows = Unit.objects.filter(
            is_active=True, kind__in=[UnitKind.STATION, UnitKind.VILLAGE, UnitKind.GRID]
        ).values_list("pk", "code", "name", "kind", "parent_id", "path")
        station_by_code: dict[str, int] = {}
        villages: dict[str, tuple[int, str]] = {}  # code -> (pk, path)
        grids: dict[int, list[tuple[str, int, str]]] = {}  # village pk -> [(code, pk, name)]
        for pk, code, name, kind, parent_id, path in rows:
            if kind == UnitKind.STATION:
                station_by_code[code] = pk
            elif kind == UnitKind.VILLAGE:
                villages[code] = (pk, path)
            else:
                grids.setdefault(parent_id, []).append((code, pk, name))
        self.station_by_code = station_by_code
        self.villages = villages
        self.grids = {v: sorted(g) for v, g in grids.items()}
        names = Unit.objects.filter(kind=UnitKind.STATION, is_active=True).values_list("pk", "name")
        self.station_stems = sorted(
            ((place_stem(name), pk) for pk, name in names if len(place_stem(name)) >= 2),
            key=lambda s: -len(s[0]),
        )
        self.gazetteer = gazetteer
        self._where = lru_cache(maxsize=cache_size)(self._where_uncached)

    def _station_in_path(self, path: str) -> int | None:
        for code in path.strip("/").split("/"):
            if code in self.station_by_code:
                return self.station_by_code[code]
        return None

    def place(self, address: str) -> Place | None:
        """The station, village and grid an address names, or None when it names nothing here."""
        if not address:
            return None
        found = self._where(place_key(address))
        if found is None:
            return None
        station, village, village_pk = found
        return Place(station, village, self._grid(village_pk, address) if village_pk else None)

    def _where_uncached(self, address: str) -> tuple[int, str | None, int | None] | None:
        parsed = parse_address(address, self.gazetteer)
        if parsed.village and parsed.village in self.villages:
            village_pk, path = self.villages[parsed.village]
            station = self._station_in_path(path)
            if station is not None:
                return station, parsed.village, village_pk
        if parsed.township and parsed.township in self.station_by_code:
            return self.station_by_code[parsed.township], None, None
        # A station's place name anywhere ("107国道白楼段"), but not a city's ("大连市" ≠ 大连乡).
        cleaned = clean_text(address)
        hits = []
        for stem, pk in self.station_stems:
            at = cleaned.find(stem)
            if at >= 0 and cleaned[at + len(stem) : at + len(stem) + 1] not in _CITY_KINDS:
                hits.append((at, -len(stem), pk))
        return (min(hits)[2], None, None) if hits else None

    def _grid(self, village_pk: int, address: str) -> int | None:
        grids = self.grids.get(village_pk)
        if not grids:
            return None
        named = _GRID_NUMBER.search(address)
        if named:
            number = chinese_number(named.group(1))
            for _code, pk, name in grids:
                if number is not None and name.endswith(f"第{number}网格"):
                    return pk
        return grids[0][1]


# --- scanning ------------------------------------------------------------------------------------


class _Grader:
    """risk.engine.assess, memoised: a call's inputs take few distinct values."""

    def __init__(self) -> None:
        self.instrument, self.ruleset = loader.current_instrument(), loader.current_ruleset()
        rules = self.ruleset.rules
        self.people_cap = max((r.people_at_least or 0 for r in rules), default=0)
        self.reports_cap = max((r.reports_12m_at_least or 0 for r in rules), default=0)
        self.memo: dict[tuple, tuple[str, tuple[str, ...]]] = {}

    def grade(
        self, category: str, flags: tuple[str, ...], people: int | None, reports: int
    ) -> tuple[str, tuple[str, ...]]:
        people_key = min(people or 0, self.people_cap)
        key = (category, frozenset(flags), people_key, min(reports, self.reports_cap))
        hit = self.memo.get(key)
        if hit is None:
            result = engine.assess(
                Inputs(
                    category=category,
                    flags=frozenset(flags),
                    people_involved=people_key or None,
                    reports_12m=min(reports, self.reports_cap),
                ),
                self.instrument,
                self.ruleset,
            )
            hit = (result.level, tuple(f for f in FLAGS if f in result.flags))
            self.memo[key] = hit
        return hit


@lru_cache(maxsize=16384)
def _phone(raw: str) -> str:
    from concord.people.normalise import normalise_phone

    return normalise_phone(raw)


class LeadWriter:
    """Writes leads as `Lead.objects.bulk_create(leads, ignore_conflicts=True)` does — one
    `INSERT … ON CONFLICT DO NOTHING` (`INSERT OR IGNORE` on SQLite) from Django's backend
    operations, every column of the model, values prepared by the fields — but without a model
    instance and a compiled statement per row: bulk_create spent about 0.3 ms a lead on those, a
    third of a scan's time (measured with bench/scan.py). Returns how many rows were new: a call
    already on record (this file scanned before, or the same call twice) is skipped by the unique
    (channel, source_system, source_ref)."""

    def __init__(self) -> None:
        from django.db import connection
        from django.db.models import DateTimeField, JSONField
        from django.db.models.constants import OnConflict

        self.connection = connection
        ops = connection.ops
        self.fields = [f for f in Lead._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        suffix = ops.on_conflict_suffix_sql(self.fields, OnConflict.IGNORE, None, None)
        self.sql = (
            f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
            f"{ops.quote_name(Lead._meta.db_table)} ({columns}) VALUES ({placeholders}) {suffix}"
        ).strip()
        self._json = {f.attname for f in self.fields if isinstance(f, JSONField)}
        self._datetime = {f.attname for f in self.fields if isinstance(f, DateTimeField)}
        self._json_cache: dict[str, Any] = {}
        self._by_name = {f.attname: f for f in self.fields}

    def _prepare(self, name: str, value: Any) -> Any:
        if name in self._json:
            key = json.dumps(value, ensure_ascii=False, sort_keys=True)
            if key not in self._json_cache:
                self._json_cache[key] = self._by_name[name].get_db_prep_save(value, self.connection)
            return self._json_cache[key]
        if name in self._datetime and value is not None:
            return self.connection.ops.adapt_datetimefield_value(value)
        return value

    def write(self, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        now = timezone.now()
        defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                defaults[f.attname] = self._prepare(f.attname, now)
            else:  # the model's default, "" for a text column, None for the others
                defaults[f.attname] = self._prepare(f.attname, f.get_default())
        # INSERT OR IGNORE would also skip a row breaking NOT NULL, silently: refuse it here.
        required = [f.attname for f in self.fields if not f.null and defaults[f.attname] is None]
        for row in rows:
            missing = [n for n in required if row.get(n) is None]
            if missing:
                raise ValueError(f"lead for {row.get('source_ref')!r} lacks {missing}")
        names = [f.attname for f in self.fields]
        params = [
            [self._prepare(n, row[n]) if n in row else defaults[n] for n in names] for row in rows
        ]
        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.executemany(self.sql, params)
            return max(cursor.rowcount, 0)


class Scanner:
    def __init__(self, *, classifier=None) -> None:
        from concord.people.services import gazetteer

        self.classifier = classifier or classifier_module.get_classifier()
        gaz = gazetteer()
        self.territory = Territory(gaz)
        self.counter = ReportCounter(gazetteer=gaz)
        self.open_disputes = OpenDisputeIndex()
        self.grader = _Grader()
        self.writer = LeadWriter()
        self.summary = Summary()
        self.unplaced_rows: list[int] = []

    def _persons(self, phones: set[str]) -> dict[str, int]:
        """Phone → the one active person holding it; a phone held by several links no one."""
        from concord.people.models import PersonKey

        holders: dict[str, set[int]] = {}
        if phones:
            for value, person_id in PersonKey.objects.filter(
                kind=PersonKey.Kind.PHONE, value__in=list(phones), person__is_active=True
            ).values_list("value", "person_id"):
                holders.setdefault(value, set()).add(person_id)
        return {phone: next(iter(ids)) for phone, ids in holders.items() if len(ids) == 1}

    def batch(self, calls: list[Call]) -> None:
        if not calls:
            return
        predictions = self.classifier.predict([c.text for c in calls])
        disputes = []
        for call, p in zip(calls, predictions, strict=True):
            if p.is_dispute:
                category = str(p.category)
                disputes.append((call, p, category if category in CATEGORY_CODES else "other"))
        if not disputes:
            return
        phones = [_phone(call.caller_phone) for call, _p, _c in disputes]
        persons = self._persons({p for p in phones if p})
        rows = []
        for (call, p, category), phone in zip(disputes, phones, strict=True):
            place = self.territory.place(call.address)
            report = Report(
                at=call.received_at,
                person_id=persons.get(phone),
                phone=phone,
                address=specific_address(call.address),
                village_code=place.village_code if place else None,
                ref=lead_ref(CHANNEL, SOURCE_SYSTEM, call.call_id),
                counted=place is not None,
            )
            rows.append((call, p, category, place, report))
        counts = self.counter.counts([r[-1] for r in rows])

        s = self.summary
        new: list[dict[str, Any]] = []
        for (call, p, category, place, report), reports in zip(rows, counts, strict=True):
            level, flags = self.grader.grade(category, tuple(p.flags), p.people, reports)
            s.disputes += 1
            s.by_category[category] += 1
            s.by_flag.update(flags)
            s.repeats += "repeat" in flags
            if place is None:
                s.unplaced += 1
                if len(self.unplaced_rows) < 20:
                    self.unplaced_rows.append(call.row)
                continue
            match = self.open_disputes.match(
                reporter_person_id=report.person_id,
                reporter_phone=report.phone,
                address_village_code=place.village_code,
                grid_id=place.grid_id,
                station_id=place.station_id,
                category=category,
                text=call.text,
                at=call.received_at,
            )
            s.open_dispute_matches += match is not None
            new.append(
                {
                    "channel": CHANNEL,
                    "source_system": SOURCE_SYSTEM,
                    "source_ref": call.call_id,
                    "text": call.text,
                    "received_at": call.received_at,
                    "reporter_name": call.caller_name[:50],
                    "reporter_phone": (report.phone or tidy_address(call.caller_phone))[:32],
                    "address": tidy_address(call.address),
                    "grid_id": place.grid_id,
                    "station_id": place.station_id,
                    "is_dispute": True,
                    "category": category,
                    "confidence": round(float(p.confidence), 4),
                    "flags": list(flags),
                    "level": level,
                    "priority": PRIORITY[level],
                    "reporter_person_id": report.person_id,
                    "repeat_of_id": match.dispute.pk if match else None,
                    "repeat_reasons": match.texts() if match else [],
                }
            )
        s.leads_created += self.writer.write(new)


def scan_calls(
    path: str | Path,
    *,
    batch_size: int = BATCH_SIZE,
    classifier=None,
    progress: Callable[[int, float], None] | None = None,
    bad_row: Callable[[int, str], None] | None = None,
) -> tuple[Summary, list[int]]:
    """Scan a file of police calls; returns the summary and the first unplaced rows.

    `progress(rows_read, seconds)` is called after every batch; `bad_row(row, message)` for every
    row that cannot be used."""
    started = time.perf_counter()
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    rows = read_rows(path)
    first = next(rows, None)  # the header is found (or the file refused) before any work
    scanner = Scanner(classifier=classifier)
    summary = scanner.summary
    batch: list[Call] = []
    read = 0
    for number, raw in _chain(first, rows) if first else ():
        read += 1
        summary.calls += 1
        try:
            if isinstance(raw, BadValue):
                raise raw
            batch.append(to_call(number, raw, tz, now))
        except BadValue as exc:
            summary.bad_rows += 1
            if bad_row:
                bad_row(number, str(exc))
        if len(batch) >= batch_size:
            scanner.batch(batch)
            batch = []
            if progress:
                progress(read, time.perf_counter() - started)
    scanner.batch(batch)
    if progress:
        progress(read, time.perf_counter() - started)
    summary.seconds = time.perf_counter() - started
    return summary, scanner.unplaced_rows


def _chain(first, rest):
    yield first
    yield from rest
