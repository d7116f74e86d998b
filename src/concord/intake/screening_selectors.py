"""Reads of nil reports and screening campaigns, always through the acting user's scope.

Periods: a week runs Monday to Sunday in the bureau's time zone (settings.TIME_ZONE, Asia/Shanghai).
Each day of a sensitive period set over the grid's bureau is a period of its own; the days of the week
outside it stay weekly, cut where the sensitive days begin and end, so periods never overlap and every
day lies in exactly one. A report counts for a period when it has the period's cadence and spans it
(a weekly report made before a sensitive period was set still covers the weekly days around it).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from concord.accounts.scope import in_scope
from concord.disputes.models import Dispute
from concord.intake.models import Lead
from concord.intake.screening import (
    CAMPAIGN_REPORT_ROLES,
    NIL_REPORT_ROLES,
    Cadence,
    Campaign,
    CampaignUnit,
    NilReport,
    SensitivePeriod,
)
from concord.territory.models import Responsibility, Tier, Unit, UnitKind

WEEK = dt.timedelta(days=7)
DAY = dt.timedelta(days=1)


def period_tz() -> dt.tzinfo:
    """Periods follow the bureau's clock, whatever time zone a request has activated."""
    return timezone.get_default_timezone()


def local_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now(), period_tz())


def _codes(unit: Unit) -> list[str]:
    return unit.path_codes


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# --- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    cadence: str

    @property
    def is_daily(self) -> bool:
        return self.cadence == Cadence.DAILY

    @property
    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[first instant, first instant after the period) on the bureau's clock."""
        tz = period_tz()
        first = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        after = dt.datetime.combine(self.end + DAY, dt.time.min, tzinfo=tz)
        return first, after

    def covered_by(self) -> Q:
        """Reports that count for this period."""
        return Q(cadence=self.cadence, period_start__lte=self.start, period_end__gte=self.end)

    def is_covered_by(self, report: NilReport) -> bool:
        return (
            report.cadence == self.cadence
            and report.period_start <= self.start
            and report.period_end >= self.end
        )


def sensitive_periods_over(*, unit: Unit) -> QuerySet[SensitivePeriod]:
    """The sensitive periods that apply to a unit: those set over it or any unit above it."""
    return SensitivePeriod.objects.filter(unit__code__in=_codes(unit))


def sensitive_days(*, unit: Unit, first: dt.date, last: dt.date) -> set[dt.date]:
    days: set[dt.date] = set()
    rows = sensitive_periods_over(unit=unit).filter(starts_on__lte=last, ends_on__gte=first)
    for starts_on, ends_on in rows.values_list("starts_on", "ends_on"):
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            days.add(day)
            day += DAY
    return days


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _period_containing(day: dt.date, sensitive: set[dt.date]) -> Period:
    if day in sensitive:
        return Period(day, day, Cadence.DAILY)
    monday = _monday(day)
    start = end = day
    while start > monday and start - DAY not in sensitive:
        start -= DAY
    while end < monday + dt.timedelta(days=6) and end + DAY not in sensitive:
        end += DAY
    return Period(start, end, Cadence.WEEKLY)


def period_for(*, unit: Unit, on: dt.date) -> Period:
    """The reporting period that contains the day `on` for a unit's grids."""
    monday = _monday(on)
    return _period_containing(
        on, sensitive_days(unit=unit, first=monday, last=monday + dt.timedelta(days=6))
    )


def periods_between(*, unit: Unit, first: dt.date, last: dt.date) -> list[Period]:
    """Every period that has a day from `first` to `last`, oldest first."""
    monday = _monday(first)
    sensitive = sensitive_days(unit=unit, first=monday, last=_monday(last) + dt.timedelta(days=6))
    periods, day = [], first
    while day <= last:
        period = _period_containing(day, sensitive)
        periods.append(period)
        day = period.end + DAY
    return periods


def raised_in_period(*, grid: Unit, period: Period) -> int:
    """How many leads and disputes the grid raised in the period (a lead that became one of the
    period's disputes counts once; dismissed leads do not count). Internal: callers check scope."""
    first, after = period.bounds()
    dispute_ids = set(
        Dispute.objects.filter(grid=grid, found_at__gte=first, found_at__lt=after).values_list(
            "pk", flat=True
        )
    )
    leads = (
        Lead.objects.filter(grid=grid, received_at__gte=first, received_at__lt=after)
        .exclude(state=Lead.State.DISMISSED)
        .exclude(dispute_id__in=dispute_ids)
    )
    return len(dispute_ids) + leads.count()


# --- nil reports: the grid worker's side ---------------------------------------------------------


def nil_reports_visible(*, actor) -> QuerySet[NilReport]:
    return in_scope(NilReport.objects.select_related("grid", "reported_by"), actor, via="grid")


def grids_reporting(*, actor) -> QuerySet[Unit]:
    """The grids the actor reports for: their own grid, or every grid of an auxiliary's village."""
    if getattr(actor, "role", None) not in NIL_REPORT_ROLES:
        return Unit.objects.none()
    return (
        in_scope(Unit.objects.all(), actor, via="")
        .filter(kind=UnitKind.GRID, is_active=True)
        .order_by("code")
    )


@dataclass
class ReportCard:
    """What the grid worker sees for one grid and the current period."""

    grid: Unit
    period: Period
    report: NilReport | None
    raised: int

    @property
    def can_report_nothing(self) -> bool:
        return self.report is None and self.raised == 0

    @property
    def can_report_disputes(self) -> bool:
        return self.report is None and self.raised > 0


def report_card(*, actor, grid: Unit, now: dt.datetime | None = None) -> ReportCard:
    """Raises Unit.DoesNotExist when the grid is outside the actor's scope."""
    grid = in_scope(Unit.objects.filter(kind=UnitKind.GRID), actor, via="").get(pk=grid.pk)
    period = period_for(unit=grid, on=local_today(now))
    report = (
        NilReport.objects.filter(grid=grid)
        .filter(period.covered_by())
        .select_related("reported_by")
        .first()
    )
    return ReportCard(grid, period, report, raised_in_period(grid=grid, period=period))


def report_cards(*, actor, now: dt.datetime | None = None) -> list[ReportCard]:
    return [report_card(actor=actor, grid=g, now=now) for g in grids_reporting(actor=actor)]


@dataclass
class HistoryRow:
    period: Period
    report: NilReport | None
    raised_now: int  # counted today: a "nothing found" period that later raised something shows it

    @property
    def contradicted(self) -> bool:
        return bool(self.report and self.report.nothing_found and self.raised_now)


def nil_report_history(
    *, actor, grid: Unit, now: dt.datetime | None = None, weeks: int = 8
) -> list[HistoryRow]:
    """The grid's periods over the last `weeks` weeks, newest first, each with its report or none."""
    grid = in_scope(Unit.objects.filter(kind=UnitKind.GRID), actor, via="").get(pk=grid.pk)
    today = local_today(now)
    periods = periods_between(unit=grid, first=_monday(today) - (weeks - 1) * WEEK, last=today)
    reports = list(
        NilReport.objects.filter(
            grid=grid, period_end__gte=periods[0].start, period_start__lte=today
        ).select_related("reported_by")
    )
    return [
        HistoryRow(
            p,
            next((r for r in reports if p.is_covered_by(r)), None),
            raised_in_period(grid=grid, period=p),
        )
        for p in reversed(periods)
    ]


# --- nil reports: the station's and bureau's side ------------------------------------------------


@dataclass
class MissingGrid:
    grid: Unit
    worker: object | None  # the grid worker responsible today (a User), if any


@dataclass
class VillageRow:
    village: Unit
    total: int = 0
    reported: int = 0
    missing: list[MissingGrid] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return _percent(self.reported, self.total)


@dataclass
class StationRow:
    station: Unit
    villages: list[VillageRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(v.total for v in self.villages)

    @property
    def reported(self) -> int:
        return sum(v.reported for v in self.villages)

    @property
    def missing_count(self) -> int:
        return self.total - self.reported

    @property
    def percent(self) -> int | None:
        return _percent(self.reported, self.total)

    @property
    def villages_missing(self) -> list[VillageRow]:
        return [v for v in self.villages if v.missing]


@dataclass
class MissingOverview:
    period: Period | None
    stations: list[StationRow]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.stations)

    @property
    def reported(self) -> int:
        return sum(s.reported for s in self.stations)

    @property
    def missing_count(self) -> int:
        return self.total - self.reported

    @property
    def percent(self) -> int | None:
        return _percent(self.reported, self.total)

    @property
    def villages(self) -> list[VillageRow]:
        return [v for s in self.stations for v in s.villages]


def missing_grids(
    *,
    actor,
    now: dt.datetime | None = None,
    on: dt.date | None = None,
    unit_code: str = "",
) -> MissingOverview:
    """The grids that have not reported for the period containing `on` (today by default), grouped
    by station and village, with completeness per station, per village and overall; only the actor's
    scope (narrowed to `unit_code`'s subtree when given)."""
    scope = getattr(actor, "scope_unit", None)
    grids_qs = in_scope(Unit.objects.filter(kind=UnitKind.GRID, is_active=True), actor, via="")
    if scope is None or not grids_qs.exists():
        return MissingOverview(None, [])
    if unit_code:
        grids_qs = grids_qs.filter(path__contains=f"/{unit_code}/")
    period = period_for(unit=scope, on=on or local_today(now))
    grids = list(grids_qs.order_by("path"))
    reported = set(
        NilReport.objects.filter(period.covered_by(), grid__in=grids_qs).values_list(
            "grid_id", flat=True
        )
    )
    # A grid's parent is its village; its station is the second code in its path.
    villages = {u.pk: u for u in Unit.objects.filter(pk__in={g.parent_id for g in grids})}
    stations = {
        u.code: u
        for u in Unit.objects.filter(
            kind=UnitKind.STATION, code__in={_codes(g)[1] for g in grids if len(_codes(g)) > 1}
        )
    }
    missing_ids = [g.pk for g in grids if g.pk not in reported]
    today = local_today(now)
    workers = {
        r.unit_id: r.user
        for r in Responsibility.objects.filter(
            unit_id__in=missing_ids, tier=Tier.GRID, since__lte=today
        )
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("user")
    }
    station_rows: dict[str, StationRow] = {}
    village_rows: dict[int, VillageRow] = {}
    for grid in grids:
        station = stations[_codes(grid)[1]]
        srow = station_rows.setdefault(station.code, StationRow(station))
        vrow = village_rows.get(grid.parent_id)
        if vrow is None:
            vrow = village_rows[grid.parent_id] = VillageRow(villages[grid.parent_id])
            srow.villages.append(vrow)
        vrow.total += 1
        if grid.pk in reported:
            vrow.reported += 1
        else:
            vrow.missing.append(MissingGrid(grid, workers.get(grid.pk)))
    return MissingOverview(period, list(station_rows.values()))


def sensitive_periods_visible(*, actor) -> QuerySet[SensitivePeriod]:
    """Sensitive periods set over the actor's scope, the units above it or the units under it."""
    scope = getattr(actor, "scope_unit", None)
    if scope is None or not actor.is_active:
        return SensitivePeriod.objects.none()
    return SensitivePeriod.objects.filter(
        Q(unit__code__in=_codes(scope)) | Q(unit__path__startswith=scope.path)
    ).select_related("unit", "set_by")


# --- campaigns -----------------------------------------------------------------------------------


def campaigns_visible(*, actor) -> QuerySet[Campaign]:
    """Campaigns the actor launched in their scope or that cover a unit in it or above it."""
    scope = getattr(actor, "scope_unit", None)
    if scope is None or not actor.is_authenticated or not actor.is_active:
        return Campaign.objects.none()
    covering = CampaignUnit.objects.filter(
        Q(unit__path__startswith=scope.path) | Q(unit__code__in=_codes(scope))
    ).values("campaign_id")
    return (
        Campaign.objects.filter(Q(unit__path__startswith=scope.path) | Q(pk__in=covering))
        .select_related("unit", "created_by")
        .distinct()
    )


def campaign_get(*, actor, pk: int) -> Campaign:
    """Raises Campaign.DoesNotExist when the actor may not see it."""
    return campaigns_visible(actor=actor).get(pk=pk)


def campaign_units_visible(*, actor, campaign: Campaign) -> QuerySet[CampaignUnit]:
    """The campaign's units the actor may see: all of them for the unit that launched it (and above),
    otherwise those in the actor's scope and the ones above it."""
    scope = actor.scope_unit
    units = campaign.units.select_related("unit", "reported_by").order_by("unit__path")
    if campaign.unit.path.startswith(scope.path):
        return units
    return units.filter(Q(unit__path__startswith=scope.path) | Q(unit__code__in=_codes(scope)))


def can_report_for(actor, unit: Unit) -> bool:
    return (
        getattr(actor, "role", None) in CAMPAIGN_REPORT_ROLES
        and actor.scope_unit is not None
        and unit.path.startswith(actor.scope_unit.path)
    )


@dataclass
class UnitProgress:
    entry: CampaignUnit
    items: list[tuple[str, bool]]  # (checklist item, done)
    overdue: bool
    late: bool  # completed, but after the deadline
    can_report: bool

    @property
    def done(self) -> int:
        return sum(1 for _item, done in self.items if done)

    @property
    def percent(self) -> int | None:
        return _percent(self.done, len(self.items))

    @property
    def complete(self) -> bool:
        return bool(self.items) and self.done == len(self.items)

    @property
    def reported(self) -> bool:
        return self.entry.reported_at is not None


@dataclass
class CampaignProgress:
    campaign: Campaign
    today: dt.date
    rows: list[UnitProgress]

    @property
    def past_deadline(self) -> bool:
        return self.today > self.campaign.deadline

    @property
    def units_total(self) -> int:
        return len(self.rows)

    @property
    def units_complete(self) -> int:
        return sum(1 for r in self.rows if r.complete)

    @property
    def units_percent(self) -> int | None:
        return _percent(self.units_complete, self.units_total)

    @property
    def items_percent(self) -> int | None:
        """Checklist items done over all units, as a share of all the items there are to do."""
        return _percent(sum(r.done for r in self.rows), sum(len(r.items) for r in self.rows))

    @property
    def found_total(self) -> int:
        return sum(r.entry.found_count for r in self.rows)

    @property
    def overdue(self) -> list[UnitProgress]:
        return [r for r in self.rows if r.overdue]


def campaign_progress(
    *, actor, campaign: Campaign, now: dt.datetime | None = None
) -> CampaignProgress:
    """Per unit: the items done, what it found, whether it is overdue (the deadline has passed and
    the checklist is not complete); and the totals over the units the actor sees."""
    campaign = campaign_get(actor=actor, pk=campaign.pk)
    today = local_today(now)
    rows = []
    for entry in campaign_units_visible(actor=actor, campaign=campaign):
        done = set(entry.done_items)
        items = [(text, i in done) for i, text in enumerate(campaign.checklist)]
        complete = bool(items) and all(d for _t, d in items)
        rows.append(
            UnitProgress(
                entry=entry,
                items=items,
                overdue=today > campaign.deadline and not complete,
                late=complete
                and entry.completed_at is not None
                and timezone.localdate(entry.completed_at, period_tz()) > campaign.deadline,
                can_report=can_report_for(actor, entry.unit),
            )
        )
    return CampaignProgress(campaign, today, rows)


def campaign_units_to_report(*, actor) -> QuerySet[CampaignUnit]:
    """Units in the actor's scope that a campaign covers and that have not completed it."""
    if getattr(actor, "role", None) not in CAMPAIGN_REPORT_ROLES:
        return CampaignUnit.objects.none()
    return (
        in_scope(CampaignUnit.objects.all(), actor)
        .filter(completed_at__isnull=True)
        .select_related("campaign", "unit")
        .order_by("campaign__deadline", "unit__path")
    )
