"""Briefs (工作简报): a unit's weekly or monthly account — counts, the rates of the metrics module
beside the previous period's, new red cases, overdue work, notable cases and a row per child unit —
as a printable page and as an Excel workbook, on demand and on schedule.

Definitions (the rates themselves are `metrics.metrics_for`'s, never recomputed here):

- **Period.** A brief covers the last *complete* period whose last day is on or before `ending`:
  a week runs Monday–Sunday, so `ending` on a Sunday is that week and `ending` on any other day is
  the week before; a month is a calendar month, so `ending` on a month's last day is that month and
  any other day is the month before. The previous period (for the ▲/▼ comparison) is the one just
  before. A brief asked for before its period is over shows the figures so far (`Brief.partial`).
- **As of.** Counts "at the end" are at the period's end (the day after its last day, 00:00 on the
  bureau's clock), or now if that is still to come.
- **New cases by level**: the metrics' cohort (found in the period) by current level.
- **Open at the end**: cases found before the end and not closed then: the last closure or reopening
  on the timeline before the end decides; a case with neither is closed if its `closed_at` is.
- **Closed in the period**: cases with a closure on the timeline in the period (or, with none,
  `closed_at` in it); a case closed twice counts once.
- **New red cases**: red now, and found in the period or raised to red (by an assessment or a change
  of level) in it.
- **Overdue at the end**: tasks due before the as-of time and not done by then (open, or done
  later); waived tasks are left out. This is a stock, unlike the metrics' 超期率, which is over the
  tasks *due in* the period.
- **Notable cases**: red or orange cases with a change of level, a reopening or a missed agreement
  instalment in the period.
- **Per-unit rows**: `metrics_for` narrowed to each child unit (the stations of a bureau; the
  villages of a station or a post), with its overdue stock.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy

from concord.accounts.models import Role
from concord.accounts.scope import can_see_unit, in_scope
from concord.disputes.models import (
    LEVEL_RANK,
    OPEN_STATUSES,
    Dispute,
    DisputeEvent,
    Level,
    Status,
    Task,
)
from concord.reporting.metrics import Metrics, metrics_for, scoped_disputes
from concord.territory.models import Unit, UnitKind

WEEK, MONTH = "week", "month"
PERIODS = (WEEK, MONTH)
PERIOD_LABELS = {
    WEEK: pgettext_lazy("brief period", "Weekly"),
    MONTH: pgettext_lazy("brief period", "Monthly"),
}

BRIEF_ROLES = frozenset(
    {
        Role.COMMUNITY_OFFICER,
        Role.STATION_STAFF,
        Role.STATION_CHIEF,
        Role.BUREAU_COMMANDER,
        Role.ANALYST,
        Role.ADMIN,
    }
)
# The units a brief is written for, and the kind of unit each one's rows are.
CHILD_KIND = {
    UnitKind.BUREAU: UnitKind.STATION,
    UnitKind.STATION: UnitKind.VILLAGE,
    UnitKind.POST: UnitKind.VILLAGE,
}
BRIEF_UNIT_KINDS = tuple(CHILD_KIND)

TOP_OVERDUE = 10
NOTABLE_ACTIONS = ("change_level", "reopen", "instalment_missed")
RAISING_ACTIONS = ("assess", "change_level", "import")

# Scheduled briefs go out at 08:00 on the bureau's clock: weekly on Mondays for the week just
# ended, monthly on the 1st for the month just ended.
SEND_TIME = dt.time(8, 0)


# --- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date  # the first day
    end: dt.date  # the day after the last, as metrics_for takes it: [start, end)

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> "Period":
        return period_ending(self.kind, self.start - dt.timedelta(days=1))


def period_ending(kind: str, ending: dt.date) -> Period:
    """The last complete week (Monday–Sunday) or calendar month whose last day is on or before
    `ending`."""
    if kind == WEEK:
        last = ending - dt.timedelta(days=(ending.weekday() + 1) % 7)  # the Sunday on or before
        return Period(WEEK, last - dt.timedelta(days=6), last + dt.timedelta(days=1))
    if kind == MONTH:
        if (ending + dt.timedelta(days=1)).day != 1:  # not a month's last day: the month before
            ending = ending.replace(day=1) - dt.timedelta(days=1)
        return Period(MONTH, ending.replace(day=1), ending + dt.timedelta(days=1))
    raise ValueError(f"unknown period {kind!r}")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


# --- the brief -----------------------------------------------------------------------------------

RATE_LABELS = {
    "resolution_rate": (gettext_lazy("Resolution rate"), "化解率"),
    "containment_rate": (gettext_lazy("Containment rate"), "稳控率"),
    "recurrence_rate": (gettext_lazy("Recurrence rate"), "复发率"),
    "follow_up_completion": (gettext_lazy("Follow-up completion"), "回访完成率"),
    "overdue_rate": (gettext_lazy("Overdue rate"), "超期率"),
    "nil_completeness": (gettext_lazy("Nil-report completeness"), "零报告完整率"),
}
# The counts behind each rate, so a brief shows "2 / 4" and not only "50.0%".
RATE_PARTS = {
    "resolution_rate": (lambda m: m.resolved, lambda m: m.found),
    "containment_rate": (lambda m: m.resolved + m.contained, lambda m: m.found),
    "recurrence_rate": (lambda m: m.reopened, lambda m: m.closed_ever),
    "follow_up_completion": (lambda m: m.follow_ups_done, lambda m: m.follow_ups_due),
    "overdue_rate": (lambda m: m.tasks_late, lambda m: m.tasks_due),
    "nil_completeness": (lambda m: m.nil_received, lambda m: m.nil_expected),
}
LOWER_IS_BETTER = frozenset({"recurrence_rate", "overdue_rate"})


def percent(rate: float | None) -> str:
    """A rate as the brief prints it: one decimal and a percent sign; a rate over nothing is "—"."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class RateLine:
    name: str
    value: float | None
    previous: float | None
    part: int
    whole: int

    @property
    def label(self) -> str:
        return str(RATE_LABELS[self.name][0])

    @property
    def label_zh(self) -> str:
        return RATE_LABELS[self.name][1]

    @property
    def display(self) -> str:
        return percent(self.value)

    @property
    def previous_display(self) -> str:
        return percent(self.previous)

    @property
    def change(self) -> str:
        """ "up", "down", "same", or "" when either period has nothing to compare."""
        if self.value is None or self.previous is None:
            return ""
        if self.value == self.previous:
            return "same"
        return "up" if self.value > self.previous else "down"

    @property
    def better(self) -> bool | None:
        if self.change in ("", "same"):
            return None
        return (self.change == "down") == (self.name in LOWER_IS_BETTER)


@dataclass(frozen=True)
class LevelCount:
    level: str
    new: int
    open_at_end: int

    @property
    def label(self) -> str:
        return str(Level(self.level).label)


@dataclass(frozen=True)
class NotableCase:
    dispute: Dispute
    events: list[DisputeEvent]

    @property
    def actions(self) -> list[str]:
        return list(dict.fromkeys(e.action for e in self.events))


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    metrics: Metrics
    overdue: int

    @property
    def resolution_display(self) -> str:
        return percent(self.metrics.resolution_rate)

    @property
    def containment_display(self) -> str:
        return percent(self.metrics.containment_rate)

    @property
    def overdue_rate_display(self) -> str:
        return percent(self.metrics.overdue_rate)


@dataclass
class Brief:
    unit: Unit
    period: Period
    previous: Period
    now: dt.datetime
    as_of: dt.datetime
    metrics: Metrics
    previous_metrics: Metrics
    levels: list[LevelCount]
    closed: int
    new_red: list[Dispute]
    overdue_count: int
    overdue_top: list[Task]
    notable: list[NotableCase]
    rows: list[UnitRow]
    rates: list[RateLine] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """Asked for before the period was over: the figures so far."""
        return self.now < _midnight(self.period.end)

    @property
    def open_at_end(self) -> int:
        return sum(line.open_at_end for line in self.levels)

    @property
    def child_kind(self) -> str:
        return CHILD_KIND.get(self.unit.kind, "")

    @property
    def title(self) -> str:
        """In the active language, e.g. "东派出所矛盾纠纷工作周报（2026年11月16日—11月22日）"."""
        return brief_title(self)


def brief_title(brief: Brief) -> str:
    period = brief.period
    if period.kind == MONTH:
        return gettext("%(unit)s: monthly dispute brief, %(month)s") % {
            "unit": brief.unit.name,
            "month": date_format(period.start, pgettext("brief month", "F Y")),
        }
    same_year = period.start.year == period.last.year
    return gettext("%(unit)s: weekly dispute brief, %(start)s – %(end)s") % {
        "unit": brief.unit.name,
        "start": date_format(period.start, pgettext("brief week start", "j F Y")),
        "end": date_format(
            period.last,
            pgettext("brief week end, same year", "j F Y")
            if same_year
            else pgettext("brief week start", "j F Y"),
        ),
    }


def brief_title_zh(brief: Brief) -> str:
    """The title in Chinese whatever the language (the workbook's headers are Chinese)."""
    period, unit = brief.period, brief.unit.name
    if period.kind == MONTH:
        return f"{unit}矛盾纠纷工作月报（{period.start.year}年{period.start.month}月）"
    first, last = period.start, period.last
    end = f"{last.month}月{last.day}日"
    if last.year != first.year:
        end = f"{last.year}年{end}"
    return f"{unit}矛盾纠纷工作周报（{first.year}年{first.month}月{first.day}日—{end}）"


def brief_units(*, actor) -> QuerySet[Unit]:
    """The units the actor may ask a brief for."""
    return in_scope(
        Unit.objects.filter(kind__in=BRIEF_UNIT_KINDS, is_active=True), actor, via=""
    ).order_by("path")


def brief_build(
    *, actor, unit: Unit, period: str, ending: dt.date, now: dt.datetime | None = None
) -> Brief:
    """The brief for `unit` over the period ending on or before `ending` (see the module's notes),
    as `actor` may see it. Reads only. PermissionDenied for a role that reads no briefs;
    Unit.DoesNotExist for a unit outside the actor's scope (so a page answers 404, not 403)."""
    if getattr(actor, "role", None) not in BRIEF_ROLES:
        raise PermissionDenied
    if not can_see_unit(actor, unit) or unit.kind not in BRIEF_UNIT_KINDS:
        raise Unit.DoesNotExist(f"no unit {unit.code} in the actor's scope")
    now = now or timezone.now()
    current = period_ending(period, ending)
    previous = current.previous()
    first, after = _midnight(current.start), _midnight(current.end)
    as_of = min(now, after)
    disputes = scoped_disputes(actor=actor, unit_code=unit.code)

    m = metrics_for(actor=actor, start=current.start, end=current.end, now=now, unit_code=unit.code)
    before = metrics_for(
        actor=actor, start=previous.start, end=previous.end, now=now, unit_code=unit.code
    )
    rates = [
        RateLine(
            name=name,
            value=getattr(m, name),
            previous=getattr(before, name),
            part=RATE_PARTS[name][0](m),
            whole=RATE_PARTS[name][1](m),
        )
        for name in Metrics.RATES
    ]

    cohort = disputes.filter(found_at__gte=first, found_at__lt=after)
    new_by_level = dict(cohort.values_list("level").annotate(n=Count("pk")))
    open_by_level = dict(
        _open_at(disputes, after).values_list("level").annotate(n=Count("pk", distinct=True))
    )
    levels = [
        LevelCount(level, new_by_level.get(level, 0), open_by_level.get(level, 0))
        for level in (Level.RED, Level.ORANGE, Level.YELLOW)
    ]

    in_period = DisputeEvent.objects.filter(dispute__in=disputes, at__gte=first, at__lt=after)
    closed_ids = set(
        in_period.filter(to_status=Status.CLOSED).values_list("dispute_id", flat=True)
    ) | set(
        disputes.filter(closed_at__gte=first, closed_at__lt=after)
        .exclude(events__to_status=Status.CLOSED)
        .values_list("pk", flat=True)
    )

    raised_ids = {
        e.dispute_id
        for e in in_period.filter(action__in=RAISING_ACTIONS).only("dispute_id", "changes")
        if _raised_to_red(e.changes)
    }
    new_red = list(
        disputes.filter(level=Level.RED)
        .filter(Q(found_at__gte=first, found_at__lt=after) | Q(pk__in=raised_ids))
        .select_related("grid", "station", "lead_leader", "category")
        .order_by("found_at", "pk")
    )

    overdue = _overdue_at(disputes, as_of)
    overdue_top = list(
        overdue.select_related("dispute", "dispute__grid", "assignee").order_by("due_at", "pk")[
            :TOP_OVERDUE
        ]
    )

    notable_events: dict[int, list[DisputeEvent]] = {}
    for event in in_period.filter(
        action__in=NOTABLE_ACTIONS, dispute__level__in=(Level.RED, Level.ORANGE)
    ).order_by("at", "pk"):
        notable_events.setdefault(event.dispute_id, []).append(event)
    notable_disputes = Dispute.objects.filter(pk__in=notable_events).select_related(
        "grid", "station", "lead_leader"
    )
    notable = sorted(
        (NotableCase(d, notable_events[d.pk]) for d in notable_disputes),
        key=lambda n: (-LEVEL_RANK[n.dispute.level], n.events[0].at, n.dispute.pk),
    )

    return Brief(
        unit=unit,
        period=current,
        previous=previous,
        now=now,
        as_of=as_of,
        metrics=m,
        previous_metrics=before,
        levels=levels,
        closed=len(closed_ids),
        new_red=new_red,
        overdue_count=overdue.count(),
        overdue_top=overdue_top,
        notable=notable,
        rows=_rows(actor, unit, current, now, overdue),
        rates=rates,
    )


def _raised_to_red(changes) -> bool:
    level = (changes or {}).get("level")
    return isinstance(level, list | tuple) and len(level) == 2 and level[1] == Level.RED


def _open_at(disputes: QuerySet[Dispute], moment: dt.datetime) -> QuerySet[Dispute]:
    """The cases found before `moment` and not closed at it."""
    last_close_or_reopen = (
        DisputeEvent.objects.filter(dispute=OuterRef("pk"), at__lt=moment)
        .filter(Q(to_status=Status.CLOSED) | Q(action="reopen"))
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )
    return (
        disputes.filter(found_at__lt=moment)
        .annotate(state_then=Subquery(last_close_or_reopen))
        .filter(
            Q(state_then__in=OPEN_STATUSES)
            | Q(state_then__isnull=True) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
        )
    )


def _overdue_at(disputes: QuerySet[Dispute], moment: dt.datetime) -> QuerySet[Task]:
    """Tasks due before `moment` and not done by then (waived ones left out)."""
    return Task.objects.filter(dispute__in=disputes, due_at__lt=moment).filter(
        Q(state=Task.State.OPEN) | Q(state=Task.State.DONE, completed_at__gt=moment)
    )


def _rows(actor, unit: Unit, period: Period, now: dt.datetime, overdue: QuerySet[Task]):
    child_kind = CHILD_KIND.get(unit.kind)
    if child_kind is None:
        return []
    children = list(
        Unit.objects.filter(kind=child_kind, path__startswith=unit.path, is_active=True).order_by(
            "path"
        )
    )
    paths = list(overdue.values_list("dispute__grid__path", flat=True))
    return [
        UnitRow(
            unit=child,
            metrics=metrics_for(
                actor=actor, start=period.start, end=period.end, now=now, unit_code=child.code
            ),
            overdue=sum(1 for path in paths if path.startswith(child.path)),
        )
        for child in children
    ]


# --- the schedule --------------------------------------------------------------------------------


def briefs_due(
    *, now: dt.datetime, window: dt.timedelta = dt.timedelta(hours=1)
) -> list[tuple[Unit, str, dt.date]]:
    """The briefs whose send time falls in (now − window, now]: (unit, period, ending) for
    `brief_build`. Weekly briefs are sent on Mondays at 08:00 for the week just ended, monthly
    briefs on the 1st at 08:00 for the month just ended, to the bureau and to each station. A job
    that calls this once per `window` (hourly, on the hour, by default) lists each brief once."""
    local = timezone.localtime(now)
    tz = local.tzinfo
    due: list[tuple[str, dt.date]] = []
    day = timezone.localtime(now - window).date()
    while day <= local.date():
        send_at = dt.datetime.combine(day, SEND_TIME, tzinfo=tz)
        if now - window < send_at <= now:
            ending = day - dt.timedelta(days=1)
            if day.weekday() == 0:
                due.append((WEEK, ending))
            if day.day == 1:
                due.append((MONTH, ending))
        day += dt.timedelta(days=1)
    if not due:
        return []
    units = list(
        Unit.objects.filter(kind__in=(UnitKind.BUREAU, UnitKind.STATION), is_active=True).order_by(
            "path"
        )
    )
    return [(unit, kind, ending) for kind, ending in due for unit in units]


# --- the workbook --------------------------------------------------------------------------------

LEVEL_ZH = {Level.RED: "红色（重大）", Level.ORANGE: "橙色（较大）", Level.YELLOW: "黄色（一般）"}
CHANGE_ZH = {"up": "↑", "down": "↓", "same": "→", "": ""}
ACTION_ZH = {
    "change_level": "调整等级",
    "reopen": "重新启动",
    "instalment_missed": "协议未按期履行",
}
UNIT_KIND_ZH = {UnitKind.STATION: "派出所", UnitKind.VILLAGE: "村（社区）"}


def brief_to_xlsx(brief: Brief, output: BinaryIO) -> None:
    """The brief as a workbook with Chinese headers: 概况 (the rates as percentages, with their
    counts and the previous period's), 新增重大, 超期, 重点案件 and 分单位."""
    import xlsxwriter

    with translation.override("zh-hans"):
        book = xlsxwriter.Workbook(
            output,
            {
                "in_memory": True,
                "remove_timezone": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        fmt = _Formats(book)
        _sheet_summary(book, fmt, brief)
        _sheet_red(book, fmt, brief)
        _sheet_overdue(book, fmt, brief)
        _sheet_notable(book, fmt, brief)
        _sheet_rows(book, fmt, brief)
        book.close()


class _Formats:
    def __init__(self, book):
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.head = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        self.cell = book.add_format({"border": 1})
        self.percent = book.add_format({"border": 1, "num_format": "0.0%"})
        self.number = book.add_format({"border": 1, "num_format": "0.00"})
        self.when = book.add_format({"border": 1, "num_format": "yyyy-mm-dd hh:mm"})
        self.note = book.add_format({"italic": True, "font_color": "#595959"})


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _write_table(sheet, fmt, first_row: int, headers: list[str], rows: list[list], kinds=None):
    sheet.write_row(first_row, 0, headers, fmt.head)
    kinds = kinds or {}
    for r, row in enumerate(rows, start=first_row + 1):
        for c, value in enumerate(row):
            kind = kinds.get(c)
            if value is None or value == "":
                sheet.write_string(r, c, "—" if kind == "percent" else "", fmt.cell)
            elif kind == "percent":
                sheet.write_number(r, c, value, fmt.percent)
            elif kind == "number":
                sheet.write_number(r, c, value, fmt.number)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, fmt.when)
            else:
                sheet.write(r, c, value, fmt.cell)
    for c, header in enumerate(headers):
        sheet.set_column(c, c, max(10, len(header) * 2 + 2))


def _sheet_summary(book, fmt, brief: Brief) -> None:
    sheet = book.add_worksheet("概况")
    m = brief.metrics
    sheet.write(0, 0, brief_title_zh(brief), fmt.title)
    sheet.write(
        1,
        0,
        f"统计期间：{brief.period.start:%Y-%m-%d} 至 {brief.period.last:%Y-%m-%d}；"
        f"上期：{brief.previous.start:%Y-%m-%d} 至 {brief.previous.last:%Y-%m-%d}；"
        f"截至：{_local(brief.as_of):%Y-%m-%d %H:%M}" + ("（本期未结束）" if brief.partial else ""),
        fmt.note,
    )
    _write_table(
        sheet,
        fmt,
        3,
        ["指标", "本期", "分子", "分母", "上期", "变化"],
        [
            [
                line.label_zh,
                line.value,
                line.part,
                line.whole,
                line.previous,
                CHANGE_ZH[line.change],
            ]
            for line in brief.rates
        ],
        kinds={1: "percent", 4: "percent"},
    )
    row = 4 + len(brief.rates) + 1
    counts = [
        ["新增纠纷（排查数）", m.found],
        *[[f"新增：{LEVEL_ZH[line.level]}", line.new] for line in brief.levels],
        ["化解", m.resolved],
        ["稳控", m.contained],
        ["移交", m.transferred],
        ["期末在办", brief.open_at_end],
        *[[f"期末在办：{LEVEL_ZH[line.level]}", line.open_at_end] for line in brief.levels],
        ["本期销号", brief.closed],
        ["新增重大（红色）", len(brief.new_red)],
        ["期末超期未办任务", brief.overdue_count],
        ["重点关注案件", len(brief.notable)],
        ["到期任务", m.tasks_due],
        ["超期任务", m.tasks_late],
        ["到期回访", m.follow_ups_due],
        ["完成回访", m.follow_ups_done],
        ["应报零报告", m.nil_expected],
        ["已报零报告", m.nil_received],
        ["首次接触时长中位数（小时）", m.first_contact_hours_median],
        ["化解用时中位数（天）", m.outcome_days_median],
    ]
    _write_table(sheet, fmt, row, ["项目", "数量"], counts)
    sheet.set_column(0, 0, 30)


def _sheet_red(book, fmt, brief: Brief) -> None:
    sheet = book.add_worksheet("新增重大")
    rows = [
        [
            d.case_number,
            d.title,
            d.station.name,
            d.grid.name,
            str(d.lead_leader) if d.lead_leader else "",
            _local(d.found_at),
            str(Status(d.status).label),
        ]
        for d in brief.new_red
    ]
    _write_table(
        sheet, fmt, 0, ["案件编号", "标题", "派出所", "网格", "包案领导", "发现时间", "状态"], rows
    )


def _sheet_overdue(book, fmt, brief: Brief) -> None:
    sheet = book.add_worksheet("超期")
    rows = [
        [
            t.dispute.case_number,
            t.dispute.title,
            LEVEL_ZH.get(t.dispute.level, t.dispute.level),
            str(t),
            str(t.assignee) if t.assignee else "",
            _local(t.due_at),
            round((brief.as_of - t.due_at).total_seconds() / 86400, 1),
        ]
        for t in brief.overdue_top
    ]
    _write_table(
        sheet,
        fmt,
        0,
        ["案件编号", "标题", "等级", "任务", "责任人", "应完成时间", "超期天数"],
        rows,
        kinds={6: "number"},
    )
    if brief.overdue_count > len(rows):
        sheet.write(
            len(rows) + 2,
            0,
            f"共 {brief.overdue_count} 项超期未办，此处列出超期最久的 {len(rows)} 项。",
            fmt.note,
        )


def _sheet_notable(book, fmt, brief: Brief) -> None:
    sheet = book.add_worksheet("重点案件")
    rows = [
        [
            n.dispute.case_number,
            n.dispute.title,
            LEVEL_ZH.get(n.dispute.level, n.dispute.level),
            "、".join(ACTION_ZH.get(a, a) for a in n.actions),
            _local(n.events[-1].at),
        ]
        for n in brief.notable
    ]
    _write_table(sheet, fmt, 0, ["案件编号", "标题", "等级", "本期情况", "最近时间"], rows)


def _sheet_rows(book, fmt, brief: Brief) -> None:
    sheet = book.add_worksheet("分单位")
    rows = [
        [
            row.unit.name,
            row.metrics.found,
            row.metrics.resolved,
            row.metrics.resolution_rate,
            row.metrics.containment_rate,
            row.metrics.tasks_due,
            row.metrics.tasks_late,
            row.metrics.overdue_rate,
            row.overdue,
        ]
        for row in brief.rows
    ]
    _write_table(
        sheet,
        fmt,
        0,
        [
            UNIT_KIND_ZH.get(brief.child_kind, "单位"),
            "新增纠纷",
            "化解",
            "化解率",
            "稳控率",
            "到期任务",
            "超期任务",
            "超期率",
            "期末超期未办",
        ],
        rows,
        kinds={3: "percent", 4: "percent", 7: "percent"},
    )
