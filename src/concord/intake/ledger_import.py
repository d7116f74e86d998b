"""Import a station's dispute ledger (台账) into the register: `concord import-ledger`, the web import.

One service, `ledger_import`. The whole file is one transaction; each row is written in its own
savepoint, so a row that fails writes nothing of itself while the good rows commit together. A dry
run does all the same work, then rolls everything back.

Each imported row becomes a dispute on channel "ledger_import", in the status the ledger gives it,
with its parties (each linked to a person), the level's checklist while the case is open (due from
the time of the import: the case enters Concord then), one "import" event on its timeline (the file
name, the row's 序号 and the row's key in its changes) and the audit rows that go with them.

A row is known again by its key — station, date found, text and first party — so importing the same
ledger twice, or next month's ledger that repeats this month's cases, creates nothing twice: the row
is reported as a warning "already imported as case …". A row carrying a case number the register
already holds (Concord's own export) is reported the same way.

Places are resolved to a grid inside the importing user's scope: a grid code or name, a village (its
first grid) or an address naming a village, read with the territory's gazetteer. The station named
in the title row ("白楼派出所2022年5月…") tells homonymous villages apart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.accounts.models import Role, User
from concord.accounts.scope import can_see_unit
from concord.audit.services import audit_record
from concord.disputes.models import (
    CaseSequence,
    Category,
    Channel,
    Dispute,
    DisputeEvent,
    Level,
    LevelPolicy,
    Party,
    Status,
)
from concord.disputes.services import (
    _clean_party,
    _create_tasks,
    _event,
    _issue_case_number,
    _sector_officer,
    _station_of,
    _task_plan,
    policy_for,
)
from concord.intake import ledger as reader
from concord.intake.ledger import (
    Ledger,
    LedgerRow,
    LedgerUnreadable,
    Problem,
    category_table,
    compose_title,
    grid_key,
    match_category,
    row_key,
)
from concord.people.normalise import clean_text, parse_address, place_stem
from concord.people.services import party_link
from concord.territory.models import Unit, UnitKind

__all__ = [
    "IMPORT_ROLES",
    "LedgerImportRefused",
    "LedgerReport",
    "LedgerUnreadable",
    "ReportEntry",
    "ledger_import",
]

# Who may import a ledger (DESIGN §1: imports are the analysts' work; stations keep their ledgers).
IMPORT_ROLES = frozenset({Role.ANALYST, Role.ADMIN, Role.STATION_STAFF, Role.STATION_CHIEF})
# Who may own a case, when the ledger names its 责任人 (as services._owner_checked allows).
OWNER_ROLES = frozenset(
    {
        Role.AUXILIARY,
        Role.COMMUNITY_OFFICER,
        Role.STATION_STAFF,
        Role.STATION_CHIEF,
        Role.BUREAU_COMMANDER,
    }
)
ACTION = "import"
OUTCOME_STATUSES = frozenset(
    {
        Status.RESOLVED,
        Status.CONTAINED,
        Status.TRANSFERRED,
        Status.FOLLOWING_UP,
        Status.CLOSURE_REQUESTED,
        Status.CLOSED,
    }
)

Progress = Callable[[int, int], None]


class LedgerImportRefused(PermissionDenied):
    """The user may not import ledgers."""


# --------------------------------------------------------------------------------------------------
# The report


@dataclass
class ReportEntry:
    """A rejected row or a warning: the ledger's row number (None: the file) and what, in words that
    name the row and the column."""

    row: int | str | None
    message: str
    sheet_row: int | None = None


@dataclass
class LedgerReport:
    file_name: str
    dry_run: bool
    sheet: str = ""
    sha256: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # header as written → what it was read as
    rows_total: int = 0
    imported: list[int | str] = field(default_factory=list)
    cases: dict[str, str] = field(default_factory=dict)  # str(row) → case number
    rejected: list[ReportEntry] = field(default_factory=list)
    warnings: list[ReportEntry] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report file of DESIGN §6: rows_total, imported, rejected, warnings."""
        return {
            "rows_total": self.rows_total,
            "imported": list(self.imported),
            "rejected": [{"row": e.row, "reason": e.message} for e in self.rejected],
            "warnings": [{"row": e.row, "message": e.message} for e in self.warnings],
        }

    def as_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON data (the web result page keeps it in the session)."""
        return {
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "sheet": self.sheet,
            "sha256": self.sha256,
            "columns": dict(self.columns),
            "rows_total": self.rows_total,
            "imported": list(self.imported),
            "cases": dict(self.cases),
            "rejected": [vars(e) for e in self.rejected],
            "warnings": [vars(e) for e in self.warnings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LedgerReport:
        return cls(
            file_name=data["file_name"],
            dry_run=data["dry_run"],
            sheet=data.get("sheet", ""),
            sha256=data.get("sha256", ""),
            columns=data.get("columns", {}),
            rows_total=data["rows_total"],
            imported=data["imported"],
            cases=data.get("cases", {}),
            rejected=[ReportEntry(**e) for e in data["rejected"]],
            warnings=[ReportEntry(**e) for e in data["warnings"]],
        )

    def summary(self) -> str:
        values = {
            "file": self.file_name,
            "rows": self.rows_total,
            "imported": len(self.imported),
            "rejected": len(self.rejected),
            "warnings": len(self.warnings),
        }
        if self.dry_run:
            return (
                _(
                    "Dry run of %(file)s, nothing was written: %(rows)s rows, %(imported)s would be "
                    "imported, %(rejected)s rejected, %(warnings)s warnings."
                )
                % values
            )
        return (
            _(
                "%(file)s: %(rows)s rows, %(imported)s imported, %(rejected)s rejected, "
                "%(warnings)s warnings."
            )
            % values
        )


COLUMN_MEANINGS = {
    reader.NUMBER: gettext_lazy("ledger number"),
    reader.CASE_NUMBER: gettext_lazy("case number"),
    reader.FOUND: gettext_lazy("date found"),
    reader.BEGAN: gettext_lazy("date begun"),
    reader.CLOSED_ON: gettext_lazy("date closed"),
    reader.TITLE: gettext_lazy("title"),
    reader.DESCRIPTION: gettext_lazy("description"),
    reader.PARTIES: gettext_lazy("parties"),
    reader.PARTIES_B: gettext_lazy("other parties"),
    reader.ID_NUMBER: gettext_lazy("ID numbers"),
    reader.ID_NUMBER_B: gettext_lazy("ID numbers (other parties)"),
    reader.PHONE: gettext_lazy("phones"),
    reader.PHONE_B: gettext_lazy("phones (other parties)"),
    reader.ADDRESS: gettext_lazy("address"),
    reader.CATEGORY: gettext_lazy("category"),
    reader.PLACE: gettext_lazy("place"),
    reader.VILLAGE: gettext_lazy("village"),
    reader.GRID: gettext_lazy("grid"),
    reader.STATION: gettext_lazy("station"),
    reader.LEVEL: gettext_lazy("risk level"),
    reader.OWNER: gettext_lazy("responsible officer"),
    reader.STATUS: gettext_lazy("status"),
    reader.PEOPLE: gettext_lazy("people involved"),
    reader.AMOUNT: gettext_lazy("amount involved"),
    reader.REMARKS: gettext_lazy("remarks"),
}


def _where(row: LedgerRow) -> str:
    if row.numbered:
        return _("No. %(number)s") % {"number": row.number}
    return _("row %(row)s") % {"row": row.sheet_row}


def _entry(row: LedgerRow, problems: list[Problem] | Problem) -> ReportEntry:
    problems = problems if isinstance(problems, list) else [problems]
    text = "; ".join(str(p) for p in problems)
    return ReportEntry(
        row=row.number,
        message=_("%(where)s, %(problem)s") % {"where": _where(row), "problem": text},
        sheet_row=row.sheet_row,
    )


# --------------------------------------------------------------------------------------------------
# Places


class _PlaceProblem(Exception):
    def __init__(self, fld: str | None, message: str):
        super().__init__(message)
        self.field, self.message = fld, message


class _Territory:
    """The county's stations, villages and grids in memory, resolved the way ledgers name them."""

    def __init__(self, actor: User, title: str):
        from concord.people.services import gazetteer

        self.actor = actor
        self.scope_path = actor.scope_unit.path if actor.scope_unit else "\x00"
        units = list(
            Unit.objects.filter(
                is_active=True, kind__in=[UnitKind.STATION, UnitKind.VILLAGE, UnitKind.GRID]
            ).order_by("path")
        )
        self.by_code = {u.code: u for u in units}
        self.stations = [u for u in units if u.kind == UnitKind.STATION]
        self.villages_by_stem: dict[str, list[Unit]] = {}
        self.grids_by_key: dict[str, list[Unit]] = {}
        self.grids_of: dict[int, list[Unit]] = {}
        for unit in units:
            if unit.kind == UnitKind.VILLAGE:
                self.villages_by_stem.setdefault(place_stem(unit.name), []).append(unit)
            elif unit.kind == UnitKind.GRID:
                self.grids_by_key.setdefault(grid_key(unit.name), []).append(unit)
                self.grids_of.setdefault(unit.parent_id, []).append(unit)
        for grids in self.grids_of.values():
            grids.sort(key=lambda g: g.code)
        self.gazetteer = gazetteer()
        self.title_station = self.station_named(title)

    def station_named(self, text: str) -> Unit | None:
        """The station a text names (its full name, or its stem followed by 所/派出所)."""
        cleaned = clean_text(text)
        if not cleaned:
            return None
        found = [s for s in self.stations if clean_text(s.name) in cleaned]
        if not found:
            found = [
                s
                for s in self.stations
                if len(place_stem(s.name)) >= 2
                and re.search(re.escape(place_stem(s.name)) + "(派出所|所)", cleaned)
            ]
        if not found:
            found = [s for s in self.stations if place_stem(s.name) == place_stem(cleaned)]
        return max(found, key=lambda s: len(s.name)) if found else None

    def _pick(self, candidates: list[Unit], station: Unit | None) -> Unit | None:
        """One of several homonyms: the one in the ledger's station, else the one in the scope."""
        if len(candidates) == 1:
            return candidates[0]
        for prefix in (station.path if station else None, self.scope_path):
            if prefix:
                narrowed = [c for c in candidates if c.path.startswith(prefix)]
                if len(narrowed) == 1:
                    return narrowed[0]
        return None

    def village(self, text: str, station: Unit | None) -> Unit | None:
        code = reader.cell_text(text)
        unit = self.by_code.get(code)
        if unit is not None and unit.kind == UnitKind.VILLAGE:
            return unit
        picked = self._pick(self.villages_by_stem.get(place_stem(text), []), station)
        if picked is not None:
            return picked
        for attempt in (text, place_stem(station.name) + text if station else None):
            if not attempt:
                continue
            parsed = parse_address(attempt, self.gazetteer)
            if parsed.village and parsed.village in self.by_code:
                return self.by_code[parsed.village]
            if parsed.village_name:
                picked = self._pick(self.villages_by_stem.get(parsed.village_name, []), station)
                if picked is not None:
                    return picked
        return None

    def grid(self, text: str, village: Unit | None, station: Unit | None) -> Unit | None:
        unit = self.by_code.get(reader.cell_text(text))
        if unit is not None and unit.kind == UnitKind.GRID:
            return unit
        key = grid_key(text)
        candidates = self.grids_by_key.get(key, [])
        if village is not None:
            inside = self.grids_of.get(village.pk, [])
            in_village = [g for g in candidates if g.parent_id == village.pk]
            if in_village:
                candidates = in_village
            else:  # "第1网格" under a 所在村 column: the village's grid of that number
                number = re.search(r"#\d+$", key)
                if number and key == number.group(0):
                    candidates = [g for g in inside if grid_key(g.name).endswith(number.group(0))]
        return self._pick(candidates, station)

    def first_grid(self, village: Unit) -> Unit | None:
        grids = self.grids_of.get(village.pk, [])
        return grids[0] if grids else None

    def resolve(self, row: LedgerRow) -> tuple[Unit, str]:
        """The grid a row's place columns name, and the field that named it."""
        station = self.title_station
        if row.station_text:
            station = self.station_named(row.station_text) or station
        texts = dict(row.places)
        village = None
        if reader.VILLAGE in texts:
            village = self.village(texts[reader.VILLAGE], station)
            if village is None and reader.GRID not in texts:
                raise _PlaceProblem(
                    reader.VILLAGE,
                    _("no village or community “%(place)s” in the territory.")
                    % {"place": texts[reader.VILLAGE]},
                )
        grid, used = None, None
        if reader.GRID in texts:
            used = reader.GRID
            grid = self.grid(texts[reader.GRID], village, station)
            if grid is None:
                as_village = self.village(texts[reader.GRID], station)
                grid = self.first_grid(as_village) if as_village else None
            if grid is None:
                raise _PlaceProblem(
                    reader.GRID,
                    _("no grid “%(place)s” in the territory.") % {"place": texts[reader.GRID]},
                )
            if village is not None and grid.parent_id != village.pk:
                raise _PlaceProblem(
                    reader.GRID,
                    _("grid “%(grid)s” does not lie in %(village)s.")
                    % {"grid": grid.name, "village": village.name},
                )
        elif village is not None:
            used, grid = reader.VILLAGE, self.first_grid(village)
            if grid is None:
                raise _PlaceProblem(
                    reader.VILLAGE, _("%(village)s has no grid.") % {"village": village.name}
                )
        elif reader.PLACE in texts:
            used, text = reader.PLACE, texts[reader.PLACE]
            grid = self.grid(text, None, station)
            if grid is None:
                found = self.village(text, station)
                grid = self.first_grid(found) if found else None
            if grid is None:
                raise _PlaceProblem(
                    reader.PLACE,
                    _("“%(place)s” names no grid, village or community of the territory.")
                    % {"place": text},
                )
        else:
            present = next((f for f in reader.PLACE_FIELDS if f in row.labels), None)
            raise _PlaceProblem(present, _("The place is missing."))
        if not can_see_unit(self.actor, grid):
            raise _PlaceProblem(
                used,
                _("%(grid)s lies outside your area; it cannot be imported by you.")
                % {"grid": grid.name},
            )
        return grid, used


# --------------------------------------------------------------------------------------------------
# The import


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class _RowRejected(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class _Known:
    case_number: str
    status: str


class _Importer:
    def __init__(self, actor: User, ledger: Ledger, report: LedgerReport):
        self.actor, self.ledger, self.report = actor, ledger, report
        self.now = timezone.now()
        self.territory = _Territory(actor, ledger.title)
        categories = list(Category.objects.filter(is_active=True).select_related("parent"))
        self.categories = {c.code: c for c in categories}
        self.category_table = category_table((c.code, c.name, c.name_en) for c in categories)
        self.policies = {p.level: p for p in LevelPolicy.objects.all()}
        self.stations: dict[int, Unit] = {}
        self.officers: dict[str, list[User]] = {}
        self.sector_officers: dict[int, User | None] = {}
        self.known: dict[str, _Known] = {}
        self.in_file: dict[str, LedgerRow] = {}

    # --- lookups --------------------------------------------------------------------------------

    def load_known(self) -> None:
        """The keys of every row imported before into this county, with the case each became."""
        root_code = self.actor.scope_unit.path.strip("/").split("/")[0]
        events = DisputeEvent.objects.filter(
            action=ACTION, dispute__station__path__startswith=f"/{root_code}/"
        ).values_list("changes", "dispute__case_number", "dispute__status")
        for changes, case_number, status in events.iterator():
            key = (changes or {}).get("ledger_key")
            if isinstance(key, list) and len(key) == 2 and key[1]:
                self.known.setdefault(key[1], _Known(case_number, status))

    def station_of(self, grid: Unit) -> Unit:
        if grid.pk not in self.stations:
            self.stations[grid.pk] = _station_of(grid)
        return self.stations[grid.pk]

    def category_of(self, row: LedgerRow) -> tuple[Category, Category | None]:
        code = match_category(row.category_text, self.category_table)
        category = self.categories.get(code) if code else None
        if category is None:
            other = self.categories["other"]
            if row.category_text:
                row.warn(
                    reader.CATEGORY,
                    _("unknown category “%(value)s”; imported as %(other)s.")
                    % {"value": row.category_text[:40], "other": other.name},
                )
            elif reader.CATEGORY in row.labels:
                row.warn(
                    reader.CATEGORY,
                    _("no category; imported as %(other)s.") % {"other": other.name},
                )
            return other, None
        if category.parent_id is not None:
            return category.parent, category
        return category, None

    def owner_of(self, row: LedgerRow, grid: Unit) -> User | None:
        if grid.pk not in self.sector_officers:
            self.sector_officers[grid.pk] = _sector_officer(grid, timezone.localdate(self.now))
        default = self.sector_officers[grid.pk]
        if not row.owner_text:
            return default
        for name in re.split(r"[、,，;；/\s]+|和|与", row.owner_text):
            name = name.strip()
            if len(name) < 2:
                continue
            if name not in self.officers:
                self.officers[name] = list(
                    User.objects.filter(is_active=True, role__in=OWNER_ROLES)
                    .filter(Q(display_name=name) | Q(username=name))
                    .select_related("scope_unit")
                )
            covering = [u for u in self.officers[name] if can_see_unit(u, grid)]
            if len(covering) == 1:
                return covering[0]
        row.warn(
            reader.OWNER,
            _(
                "no officer named “%(name)s” covers this grid; the case goes to the sector's "
                "community officer."
            )
            % {"name": row.owner_text[:30]},
        )
        return default

    # --- rows -----------------------------------------------------------------------------------

    def run(self, progress: Progress | None) -> None:
        total = len(self.ledger.rows)
        self.report.rows_total = total
        for done, row in enumerate(self.ledger.rows, start=1):
            self.row(row)
            if progress is not None:
                progress(done, total)

    def row(self, row: LedgerRow) -> None:
        if row.errors:
            self.reject(row, row.errors)
            return
        try:
            grid, used = self.territory.resolve(row)
        except _PlaceProblem as exc:
            self.reject(row, [Problem(row.label(exc.field) if exc.field else None, exc.message)])
            return
        named = self.territory.title_station
        if named is not None and not row.station_text and not grid.path.startswith(named.path):
            row.warn(
                used,
                _("%(grid)s is not in %(station)s, the station the ledger's title names.")
                % {"grid": grid.name, "station": named.name},
            )
        category, subtype = self.category_of(row)
        level = row.level
        if level is None:
            level = Level.YELLOW
            if reader.LEVEL in row.labels:
                row.warn(reader.LEVEL, _("no risk level; imported as yellow (一般)."))
        station = self.station_of(grid)
        names = [p.name for p in row.parties]
        title = row.title or compose_title(names, (subtype or category).name, row.description)
        # The key uses only what the ledger itself says, so renaming a category changes nothing.
        key = row_key(
            station.code,
            row.found_at.date(),
            row.description or row.title or row.category_text,
            names[0] if names else "",
        )
        if self.already_there(row, key):
            return
        owner = self.owner_of(row, grid)
        try:
            with transaction.atomic():
                dispute = self.write(
                    row,
                    grid=grid,
                    station=station,
                    category=category,
                    subtype=subtype,
                    level=level,
                    title=title,
                    owner=owner,
                    key=key,
                )
        except _RowRejected as exc:
            self.reject(row, exc.problems)
            return
        except ValidationError as exc:
            self.reject(row, _validation_problems(row, exc))
            return
        except DatabaseError as exc:
            self.reject(
                row, [Problem(None, _("the database refused this row: %(error)s") % {"error": exc})]
            )
            return
        self.in_file[key] = row
        self.report.imported.append(row.number)
        self.report.cases[str(row.number)] = dispute.case_number
        self.report.warnings += [_entry(row, w) for w in row.warnings]

    def reject(self, row: LedgerRow, problems: list[Problem]) -> None:
        self.report.rejected.append(_entry(row, problems))
        self.report.warnings += [_entry(row, w) for w in row.warnings]

    def already_there(self, row: LedgerRow, key: str) -> bool:
        message = None
        if row.case_number:
            existing = (
                Dispute.objects.filter(case_number=row.case_number)
                .values_list("case_number", flat=True)
                .first()
            )
            if existing:
                message = _("already in the register as case %(case)s; not imported again.") % {
                    "case": existing
                }
        if message is None and key in self.known:
            known = self.known[key]
            message = _("already imported as case %(case)s; not imported again.") % {
                "case": known.case_number
            }
            if known.status != row.status:
                message += " " + _(
                    "The ledger now says “%(ledger)s” but the case is %(status)s: record the "
                    "change on the case's page."
                ) % {
                    "ledger": row.status_text or Status(row.status).label,
                    "status": Status(known.status).label,
                }
        if message is None and key in self.in_file:
            first = self.in_file[key]
            message = _("the same dispute as %(where)s (case %(case)s); not imported twice.") % {
                "where": _where(first),
                "case": self.report.cases.get(str(first.number), ""),
            }
        if message is None:
            return False
        self.report.warnings.append(_entry(row, Problem(None, message)))
        return True

    def write(
        self,
        row: LedgerRow,
        *,
        grid: Unit,
        station: Unit,
        category: Category,
        subtype: Category | None,
        level: str,
        title: str,
        owner: User | None,
        key: str,
    ) -> Dispute:
        problems: list[Problem] = []
        records: list[Party] = []
        for index, party in enumerate(row.parties):
            try:
                records.append(_clean_party(index, party))
            except ValidationError as exc:
                problems += _validation_problems(row, exc)
        if problems:
            raise _RowRejected(problems)
        policy = self.policies.get(level) or policy_for(level)
        found_at = min(timezone.make_aware(row.found_at), self.now)
        closed_at = None
        if row.status == Status.CLOSED:
            closed_at = self.now
            if row.closed_on and row.closed_on >= found_at.date():
                closed_at = min(
                    timezone.make_aware(dt.datetime.combine(row.closed_on, dt.time())), self.now
                )
        dispute = Dispute.objects.create(
            case_number=self.case_number(station, found_at, row.case_number),
            title=title[:120],
            category=category,
            subtype=subtype,
            description=row.description.strip(),
            grid=grid,
            station=station,
            began_on=row.began_on,
            found_at=found_at,
            channel=Channel.LEDGER_IMPORT,
            people_involved=max(row.people_involved or 2, len(records), 1),
            amount_involved=row.amount_involved,
            level=level,
            status=row.status,
            handling_tier=policy.handling_tier,
            owner=owner,
            outcome_note=row.status_text if row.status in OUTCOME_STATUSES else "",
            transferred_to=row.transferred_to[:100],
            registered_by=self.actor,
            closed_at=closed_at,
        )
        for record in records:
            record.dispute = dispute
        Party.objects.bulk_create(records)
        for record in records:
            party_link(party=record, actor=self.actor)
        if row.status != Status.CLOSED:
            _create_tasks(dispute, _task_plan(dispute, policy, self.now, fresh=True))
        changes: dict[str, list[Any]] = {
            "status": [None, row.status],
            "level": [None, level],
            "owner": [None, owner],
            "parties": [0, len(records)],
            "ledger_file": [None, self.ledger.file_name],
            "ledger_row": [None, row.number],
            "ledger_sheet_row": [None, row.sheet_row],
            "ledger_key": [None, key],
        }
        if row.case_number and row.case_number != dispute.case_number:
            changes["ledger_case_number"] = [None, row.case_number]
        _event(
            dispute=dispute,
            actor=self.actor,
            action=ACTION,
            from_status="",
            to_status=row.status,
            changes=changes,
            note=_("Imported from %(file)s, %(where)s.")
            % {"file": self.ledger.file_name, "where": _where(row)},
            at=self.now,
        )
        return dispute

    def case_number(self, station: Unit, found_at: dt.datetime, wanted: str) -> str:
        """Keep the number a case had in the Concord export it comes from, when it is this
        station's and free; otherwise issue the next one."""
        matched = re.fullmatch(rf"{re.escape(station.code)}-(\d{{4}})-(\d{{1,9}})", wanted or "")
        if matched and not Dispute.objects.filter(case_number=wanted).exists():
            year, number = int(matched.group(1)), int(matched.group(2))
            CaseSequence.objects.bulk_create(
                [CaseSequence(unit=station, year=year, last=0)], ignore_conflicts=True
            )
            sequence = CaseSequence.objects.select_for_update().get(unit=station, year=year)
            if sequence.last < number:
                sequence.last = number
                sequence.save(update_fields=["last"])
            return wanted
        return _issue_case_number(station, timezone.localdate(found_at).year)


def _validation_problems(row: LedgerRow, exc: ValidationError) -> list[Problem]:
    party_fields = {"name": reader.PARTIES, "id_number": reader.ID_NUMBER, "phone": reader.PHONE}
    problems = []
    for key, messages in exc.message_dict.items():
        fld = party_fields.get(key.rsplit(".", 1)[-1]) if key.startswith("parties[") else None
        problems += [Problem(row.label(fld) if fld else None, m) for m in messages]
    return problems


def ledger_import(
    *,
    actor: User,
    path_or_file: str | Path | IO[bytes],
    dry_run: bool,
    progress: Progress | None = None,
) -> LedgerReport:
    """Import a ledger workbook; return what became of every row.

    Raises LedgerUnreadable when the file cannot be read as a ledger at all (nothing is written) and
    LedgerImportRefused when the actor may not import ledgers.
    """
    if actor.role not in IMPORT_ROLES or actor.scope_unit is None or not actor.is_active:
        raise LedgerImportRefused(_("Your role does not import ledgers."))
    ledger = reader.read_ledger(path_or_file, today=timezone.localdate())
    report = LedgerReport(
        file_name=ledger.file_name,
        dry_run=dry_run,
        sheet=ledger.sheet,
        sha256=ledger.sha256,
        columns={label: str(COLUMN_MEANINGS[f]) for f, label in ledger.columns.items()},
        warnings=[ReportEntry(row=None, message=str(w)) for w in ledger.warnings],
    )
    if reader.CATEGORY not in ledger.columns:
        report.warnings.append(
            ReportEntry(row=None, message=_("The ledger has no category column: 其他纠纷 is used."))
        )
    if reader.LEVEL not in ledger.columns:
        report.warnings.append(
            ReportEntry(
                row=None, message=_("The ledger has no risk level column: yellow (一般) is used.")
            )
        )
    try:
        with transaction.atomic():
            # One import at a time per county: the keys read below stay true until this commits.
            root = actor.scope_unit.path.strip("/").split("/")[0]
            list(Unit.objects.select_for_update().filter(code=root).values_list("pk"))
            importer = _Importer(actor, ledger, report)
            importer.load_known()
            importer.run(progress)
            audit_record(
                actor=actor,
                action="intake.ledger_import",
                unit=actor.scope_unit,
                data={
                    "file": ledger.file_name,
                    "sha256": ledger.sha256,
                    "rows": report.rows_total,
                    "imported": len(report.imported),
                    "rejected": len(report.rejected),
                    "cases": sorted(report.cases.values()),
                },
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report
