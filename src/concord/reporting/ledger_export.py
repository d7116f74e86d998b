"""The standard ledger export (标准台账导出): `concord export-ledger` and the list page's button.

One workbook, one sheet, one row per dispute in the order of the list page (newest found first): a
title row, then a bold, frozen header row, then the rows numbered 序号 1…n. The headers are the
dispute fields of the national comprehensive-governance data specification GB/T 31000-2015, in its
order, then Concord's own (`HEADERS`). Every header is one that `concord import-ledger` reads or
ignores harmlessly, so Concord imports its own export with no row rejected (a case number the
register already holds is reported as a warning, "already in the register as case …").

What each column holds:

- 事件名称 the title; 发生日期 the day it began, else the day it was found; 地点 station, village and
  grid names; 事件规模 by people involved: fewer than 10 一般, 10–29 较大, 30 or more 重大 (the scale
  of the event, independent of its risk level, which is 风险等级); 事件类型 the sub-type's Chinese
  name when the case has one, else the category's; 涉及人数; 简述 the description; 涉及单位 the
  police station whose area holds it; 主要当事人 each party as "申请人：张三（ID number，phone）",
  joined by "；" (the way station ledgers write them, and the way the importer reads them back);
- 化解时限 the due time of the case's closure task, else found + the level's closure days;
  化解方式 the kinds of mediation it was referred to (人民调解/行政调解/司法调解), or 当场化解 when an
  outcome was recorded without any referral; 化解组织 the mediation bodies; 责任人及电话 the owner
  and their phone; 化解是否成功 是 (resolved), 否 (contained or transferred) or blank while there is
  no outcome; 化解情况 the outcome note; 考评日期/考评意见 the closure approval (销号) and its note;
  经纬度 "lng,lat" of the grid's centre (its bounding box); 处理状态 the status label;
- 案件编号, 风险等级 (红色（重大）/橙色（较大）/黄色（一般）), 来源渠道, 包案领导, 回访情况 (the latest
  visit: date, 事了/心结, and the number of visits), then what the importer needs to place the case
  again: 登记时间 (found at), 网格 (the grid's code: unique, where names repeat across villages) and
  所在村(社区).

An outcome or a closure recorded before the case was last reopened no longer counts.

Personal data is masked (people.masking) unless the export is unmasked: only roles that need it
(`UNMASK_ROLES`, kept in people.reveal with the on-screen reveal's roles) may, giving a reason
(the reveal's rule for a reason), and the audit row says so. The web button always
exports masked; one field of one party is revealed on screen (people.reveal).

Memory stays flat however many rows: the disputes are read as plain values with `.iterator()` in
chunks of `CHUNK`; each chunk's parties, referrals, visits, timeline steps and closure tasks are
fetched in one query each, and the units and users it names once for the whole export (a county has
a few thousand); each row's XML goes straight into the zip (reporting.xlsx_stream, several times
faster than XlsxWriter's per-cell writing). bench/ledger_export.py measures it (BENCHMARKS.md).
Every export writes one audit row, "reporting.ledger_export", with its filters and row count.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.audit.services import audit_record
from concord.disputes.models import (
    Category,
    Channel,
    DisputeEvent,
    Level,
    LevelPolicy,
    Party,
    Status,
    Task,
)
from concord.disputes.selectors import DisputeFilters, dispute_list
from concord.mediation.models import FollowUpVisit, MediationKind, Referral
from concord.people.masking import mask_id_number, mask_phone
from concord.people.reveal import UNMASKED_EXPORT_ROLES, reason_problem
from concord.reporting.metrics import OUTCOME_ACTIONS, OUTCOMES
from concord.reporting.xlsx_stream import StreamedSheet
from concord.territory.models import Unit

__all__ = [
    "ACTION",
    "CHUNK",
    "HEADERS",
    "UNMASK_ROLES",
    "ExportResult",
    "LedgerExportRefused",
    "ledger_export",
]

ACTION = "reporting.ledger_export"
CHUNK = 2000
SHEET_NAME = "矛盾纠纷台账"

# GB/T 31000-2015's dispute fields, in its order.
GB_HEADERS = (
    "事件名称",
    "发生日期",
    "地点",
    "事件规模",
    "事件类型",
    "涉及人数",
    "简述",
    "涉及单位",
    "主要当事人",
    "化解时限",
    "化解方式",
    "化解组织",
    "责任人及电话",
    "化解是否成功",
    "化解情况",
    "考评日期",
    "考评意见",
    "经纬度",
    "处理状态",
)
# Concord's own, then what placing the case again on import needs.
CONCORD_HEADERS = ("案件编号", "风险等级", "来源渠道", "包案领导", "回访情况")
PLACE_HEADERS = ("登记时间", "网格", "所在村(社区)")
HEADERS = ("序号", *GB_HEADERS, *CONCORD_HEADERS, *PLACE_HEADERS)
WIDTHS = {
    "序号": 6,
    "事件名称": 28,
    "发生日期": 11,
    "地点": 30,
    "事件规模": 8,
    "事件类型": 14,
    "涉及人数": 8,
    "简述": 50,
    "涉及单位": 14,
    "主要当事人": 40,
    "化解时限": 16,
    "化解方式": 12,
    "化解组织": 24,
    "责任人及电话": 22,
    "化解是否成功": 8,
    "化解情况": 30,
    "考评日期": 11,
    "考评意见": 24,
    "经纬度": 22,
    "处理状态": 10,
    "案件编号": 20,
    "风险等级": 12,
    "来源渠道": 12,
    "包案领导": 10,
    "回访情况": 30,
    "登记时间": 16,
    "网格": 18,
    "所在村(社区)": 14,
}

# Who may export personal data unmasked (with a reason): those whose work is the whole county's data.
# One rule with the reveal on screen: people.reveal keeps it (a subset of who may reveal each field).
UNMASK_ROLES = UNMASKED_EXPORT_ROLES

# 事件规模 by people involved.
SCALE = ((30, "重大"), (10, "较大"), (0, "一般"))
# The GB/T vocabulary for the kinds of mediation (化解方式).
MEDIATION_WAYS = {
    MediationKind.PEOPLES: "人民调解",
    MediationKind.ADMINISTRATIVE: "行政调解",
    MediationKind.JUDICIAL: "司法调解",
}
ON_THE_SPOT = "当场化解"
SUCCESS = {Status.RESOLVED: "是", Status.CONTAINED: "否", Status.TRANSFERRED: "否"}
# The role words the importer reads in a parties cell (intake.ledger.split_parties).
ROLE_WORDS = {
    Party.Role.APPLICANT: "申请人",
    Party.Role.RESPONDENT: "被申请人",
    Party.Role.OTHER: "当事人",
}
# The filters named in the title row.
FILTER_WORDS = {
    "q": "关键词",
    "category": "类别",
    "level": "风险等级",
    "status": "处理状态",
    "unit": "单位",
    "found_from": "登记自",
    "found_to": "登记至",
    "overdue": "仅超期",
    "open_only": "仅未销号",
}
LIVE_REFERRALS = (
    Referral.State.REFERRED,
    Referral.State.ACCEPTED,
    Referral.State.SUCCEEDED,
    Referral.State.FAILED,
)

Progress = Callable[[int, int], None]


class LedgerExportRefused(PermissionDenied):
    """The user may not export this ledger (no scope, or unmasked without the right)."""


@dataclass(frozen=True)
class ExportResult:
    rows: int
    path: Path | None  # None when written to a file object
    seconds: float
    unmasked: bool = False


def filters_data(filters: DisputeFilters | None) -> dict[str, Any]:
    """The filters that narrow the list, as plain JSON data (dates as ISO text)."""
    if filters is None:
        return {}
    data = {}
    for name, value in dataclasses.asdict(filters).items():
        if value in (None, "", False):
            continue
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    return data


# --------------------------------------------------------------------------------------------------
# What each chunk of disputes needs, fetched in one query per kind


@dataclass
class _Outcome:
    status: str = ""
    at: dt.datetime | None = None


@dataclass(frozen=True)
class _Visit:
    at: dt.datetime
    matter_settled: bool
    grievance_settled: bool


@dataclass
class _Chunk:
    parties: dict[int, list[tuple[str, str, str, str]]]
    referrals: dict[int, list[tuple[str, str]]]
    visits: dict[int, tuple[int, _Visit]]
    outcome: dict[int, _Outcome]
    closure: dict[int, tuple[dt.datetime, str]]
    closure_due: dict[int, dt.datetime]

    @classmethod
    def load(cls, ids: list[int]) -> _Chunk:
        ids = _id_set(ids)
        parties: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
        for dispute_id, role, name, id_number, phone in (
            Party.objects.filter(dispute_id__in=ids)
            .order_by("dispute_id", "id")
            .values_list("dispute_id", "role", "name", "id_number", "phone")
        ):
            parties[dispute_id].append((role, name, id_number, phone))
        referrals: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for dispute_id, kind, body in (
            Referral.objects.filter(dispute_id__in=ids, state__in=LIVE_REFERRALS)
            .order_by("referred_at", "id")
            .values_list("dispute_id", "kind", "body__name")
        ):
            referrals[dispute_id].append((kind, body))
        visits: dict[int, tuple[int, _Visit]] = {}
        for dispute_id, visited_at, matter, grievance in (
            FollowUpVisit.objects.filter(dispute_id__in=ids)
            .order_by("visited_at", "id")
            .values_list("dispute_id", "visited_at", "matter_settled", "grievance_settled")
        ):
            count = visits[dispute_id][0] if dispute_id in visits else 0
            visits[dispute_id] = (count + 1, _Visit(visited_at, matter, grievance))
        # The timeline steps that matter here, oldest first: a reopening wipes what came before.
        outcome: dict[int, _Outcome] = {}
        closure: dict[int, tuple[dt.datetime, str]] = {}
        for dispute_id, action, to_status, at, note in (
            DisputeEvent.objects.filter(
                dispute_id__in=ids,
                action__in=(*OUTCOME_ACTIONS, "approve_closure", "reopen"),
            )
            .order_by("at", "id")
            .values_list("dispute_id", "action", "to_status", "at", "note")
        ):
            if action == "reopen":
                outcome.pop(dispute_id, None)
                closure.pop(dispute_id, None)
            elif action == "approve_closure":
                closure[dispute_id] = (at, note)
            elif to_status in OUTCOMES:
                outcome[dispute_id] = _Outcome(to_status, at)
        closure_due: dict[int, dt.datetime] = {}
        for dispute_id, due_at in (
            Task.objects.filter(dispute_id__in=ids, kind=Task.Kind.CLOSURE)
            .exclude(state=Task.State.WAIVED)
            .order_by("due_at", "id")
            .values_list("dispute_id", "due_at")
        ):
            closure_due[dispute_id] = due_at  # the latest
        return cls(parties, referrals, visits, outcome, closure, closure_due)


def _id_set(ids: list[int]) -> RawSQL:
    """The chunk's ids for `dispute_id__in` as one SQL parameter: Django prepares each element of
    an `__in` list on its own, which cost a fifth of the export's time at 2,000 ids a query."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def _chunks(disputes: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for dispute in disputes:
        chunk.append(dispute)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --------------------------------------------------------------------------------------------------
# One dispute → one row


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """An aware time → naive local time, as Excel keeps it."""
    if not moment:
        return None
    return moment.astimezone(timezone.get_current_timezone()).replace(tzinfo=None, microsecond=0)


def _scale(people: int) -> str:
    return next(word for least, word in SCALE if people >= least)


# The columns of a dispute the export reads: plain values, no model instances (a tenth of the time).
DISPUTE_FIELDS = (
    "id",
    "case_number",
    "title",
    "category_id",
    "subtype_id",
    "description",
    "grid_id",
    "station_id",
    "began_on",
    "found_at",
    "channel",
    "people_involved",
    "level",
    "status",
    "owner_id",
    "lead_leader_id",
    "outcome_note",
)
UNIT_FIELDS = ("id", "code", "name", "parent_id", "min_lng", "min_lat", "max_lng", "max_lat")


class _Cache:
    """Rows of a small table (units, users) by primary key, fetched once each as chunks need them:
    a county has a few thousand units and users, and rows name the same ones again and again."""

    def __init__(self, queryset, fields: tuple[str, ...]):
        self.queryset, self.fields = queryset, fields
        self.rows: dict[int, Any] = {}

    def need(self, ids: Iterable[int | None]) -> None:
        missing = {i for i in ids if i is not None and i not in self.rows}
        if missing:
            for row in self.queryset.filter(pk__in=missing).values_list(*self.fields, named=True):
                self.rows[row.id] = row

    def get(self, pk: int | None) -> Any:
        return self.rows.get(pk) if pk is not None else None


class _RowMaker:
    def __init__(self, *, unmasked: bool):
        self.unmasked = unmasked
        self.units = _Cache(Unit.objects.all(), UNIT_FIELDS)
        self.users = _Cache(User.objects.all(), ("id", "username", "display_name", "phone"))
        self.categories = dict(Category.objects.values_list("id", "name"))
        self.policies = {p.level: p for p in LevelPolicy.objects.all()}
        self.levels = {level.value: str(level.label) for level in Level}
        self.statuses = {status.value: str(status.label) for status in Status}
        self.channels = {channel.value: str(channel.label) for channel in Channel}

    def id_number(self, value: str) -> str:
        return value if self.unmasked else mask_id_number(value)

    def phone(self, value: str) -> str:
        return value if self.unmasked else mask_phone(value)

    def parties(self, parties: list[tuple[str, str, str, str]]) -> str:
        written = []
        for role, name, id_number, phone in parties:
            details = "，".join(
                filter(None, [self.id_number(id_number) if id_number else "", self.phone(phone)])
            )
            text = f"{ROLE_WORDS.get(role, '当事人')}：{name}"
            written.append(f"{text}（{details}）" if details else text)
        return "；".join(written)

    def prepare(self, chunk: list[Any]) -> None:
        """Fetch the units and users this chunk names that no earlier chunk did."""
        self.units.need(d.grid_id for d in chunk)
        self.units.need(self.units.get(d.grid_id).parent_id for d in chunk)
        self.units.need(d.station_id for d in chunk)
        self.users.need(d.owner_id for d in chunk)
        self.users.need(d.lead_leader_id for d in chunk)

    def person(self, user: Any, *, phone: bool) -> str:
        if user is None:
            return ""
        name = user.display_name or user.username
        if phone and user.phone:
            return f"{name}（{self.phone(user.phone)}）"
        return name

    def visits(self, count: int, latest: _Visit | None) -> str:
        if not count or latest is None:
            return ""
        return "{date} {matter}，{grievance}；共{count}次".format(
            date=_local(latest.at).strftime("%Y-%m-%d"),
            matter="事了" if latest.matter_settled else "事未了",
            grievance="心结已解" if latest.grievance_settled else "心结未解",
            count=count,
        )

    def row(self, number: int, d: Any, chunk: _Chunk) -> list[Any]:
        grid = self.units.get(d.grid_id)
        village, station = self.units.get(grid.parent_id), self.units.get(d.station_id)
        found = _local(d.found_at)
        referrals = chunk.referrals.get(d.id, [])
        outcome = chunk.outcome.get(d.id, _Outcome())
        if referrals:
            ways = "、".join(dict.fromkeys(MEDIATION_WAYS.get(k, k) for k, _body in referrals))
        else:
            ways = ON_THE_SPOT if outcome.status else ""
        bodies = "、".join(dict.fromkeys(body for _kind, body in referrals))
        due = chunk.closure_due.get(d.id)
        if due is None and d.level in self.policies:
            due = d.found_at + dt.timedelta(days=self.policies[d.level].closure_days)
        closure_at, closure_note = chunk.closure.get(d.id, (None, ""))
        if d.status != Status.CLOSED:
            closure_at, closure_note = None, ""
        centre = ""
        if None not in (grid.min_lng, grid.max_lng, grid.min_lat, grid.max_lat):
            lng, lat = (grid.min_lng + grid.max_lng) / 2, (grid.min_lat + grid.max_lat) / 2
            centre = f"{lng:.6f},{lat:.6f}"
        return [
            number,
            d.title,
            d.began_on or (found.date() if found else None),
            " ".join(filter(None, [station.name, village.name if village else "", grid.name])),
            _scale(d.people_involved),
            self.categories.get(d.subtype_id or d.category_id, ""),
            d.people_involved,
            d.description,
            station.name,
            self.parties(chunk.parties.get(d.id, [])),
            _local(due),
            ways,
            bodies,
            self.person(self.users.get(d.owner_id), phone=True),
            SUCCESS.get(outcome.status, ""),
            d.outcome_note,
            _local(closure_at).date() if closure_at else None,
            closure_note,
            centre,
            self.statuses.get(d.status, d.status),
            d.case_number,
            self.levels.get(d.level, d.level),
            self.channels.get(d.channel, d.channel),
            self.person(self.users.get(d.lead_leader_id), phone=False),
            self.visits(*chunk.visits.get(d.id, (0, None))),
            found,
            grid.code,
            village.name if village else "",
        ]


# --------------------------------------------------------------------------------------------------
# The workbook


def _sheet(target: str | IO[bytes]) -> StreamedSheet:
    sheet = StreamedSheet(
        target, name=SHEET_NAME, widths=[WIDTHS.get(header, 12) for header in HEADERS]
    )
    sheet.freeze(rows=2, columns=2)  # the title and header rows; 序号 and 事件名称
    return sheet


def _title(actor: User, filters: DisputeFilters | None, now: dt.datetime) -> str:
    scope = actor.scope_unit.name if actor.scope_unit else ""
    words = []
    for name, value in filters_data(filters).items():
        label = FILTER_WORDS.get(name, name)
        if value is True:
            words.append(label)
            continue
        if name == "level":
            value = str(Level(value).label) if value in Level.values else value
        elif name == "status":
            value = str(Status(value).label) if value in Status.values else value
        words.append(f"{label}：{value}")
    conditions = "；".join(words) or "全部"
    return f"{scope}矛盾纠纷台账（导出时间 {_local(now):%Y-%m-%d %H:%M}；条件：{conditions}）"


# --------------------------------------------------------------------------------------------------
# The service


def _file_name(output: Any) -> str:
    name = getattr(output, "name", "")
    return Path(name).name if isinstance(name, str) else ""


def _check(actor: User, unmasked: bool, reason: str) -> None:
    if actor is None or not actor.is_active or actor.scope_unit_id is None:
        raise LedgerExportRefused(_("Your account has no area: there is no ledger to export."))
    if unmasked:
        if actor.role not in UNMASK_ROLES:
            raise LedgerExportRefused(
                _("Your role may not export personal data unmasked; the export is masked.")
            )
        if not reason.strip():
            raise LedgerExportRefused(_("Give the reason for exporting personal data unmasked."))
        problem = reason_problem(reason)
        if problem:
            raise LedgerExportRefused(problem)


def ledger_export(
    *,
    actor: User,
    filters: DisputeFilters | None,
    output: str | Path | IO[bytes],
    progress: Progress | None = None,
    unmasked: bool = False,
    reason: str = "",
    via: str = "web",
) -> ExportResult:
    """Write the ledger of the disputes `dispute_list` gives the actor under `filters` (the list
    page's) to `output`, a path or a binary file object, and audit it.

    A path is written whole or not at all: into a temporary file beside it, renamed into place in
    the transaction that writes the audit row. Raises LedgerExportRefused when the actor has no
    area, or asks for personal data unmasked without the role or a reason.
    """
    _check(actor, unmasked, reason)
    started = time.perf_counter()
    now = timezone.now()
    disputes = (
        dispute_list(actor=actor, filters=filters, now=now)
        .select_related(None)
        .order_by("-found_at", "-id")
        .values_list(*DISPUTE_FIELDS, named=True)
    )
    total = disputes.count() if progress is not None else 0
    path = Path(output) if isinstance(output, str | os.PathLike) else None
    temporary: Path | None = None
    if path is not None:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(handle)
        temporary = Path(name)
    try:
        with translation.override("zh-hans"):
            sheet = _sheet(str(temporary) if temporary is not None else output)
            sheet.title(_title(actor, filters, now), span=len(HEADERS))
            sheet.header(HEADERS)
            maker = _RowMaker(unmasked=unmasked)
            rows = 0
            for chunk in _chunks(disputes.iterator(chunk_size=CHUNK), CHUNK):
                related = _Chunk.load([d.id for d in chunk])
                maker.prepare(chunk)
                for dispute in chunk:
                    rows += 1
                    sheet.write(maker.row(rows, dispute, related))
                if progress is not None:
                    progress(rows, max(total, rows))
            if progress is not None and rows < total:
                progress(rows, rows)  # rows went while the export ran: the bar ends anyway
            sheet.close()
        with transaction.atomic():
            audit_record(
                actor=actor,
                action=ACTION,
                unit=actor.scope_unit,
                data={
                    "filters": filters_data(filters),
                    "rows": rows,
                    "unmasked": unmasked,
                    "reason": reason.strip(),
                    "via": via,
                    "file": path.name if path is not None else _file_name(output),
                },
            )
            if temporary is not None:
                os.replace(temporary, path)
                temporary = None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    return ExportResult(
        rows=rows, path=path, seconds=round(time.perf_counter() - started, 2), unmasked=unmasked
    )
