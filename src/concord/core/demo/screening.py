"""Demo step: nil reports (零报告) for the past eight weeks, one past sensitive period and one running
screening campaign (排查).

Like the dispute register, everything is anchored to the day of loading and drawn from the step's own
random stream, so one seed on one day gives the same rows. Most grids report every period; a few are
often late and the current period is only partly reported, so the list of missing grids has something
to show. A grid's report says "nothing found" unless the demo register holds a lead or dispute it
raised in the period before the report's time, which makes it a report with disputes, as the service
would.

Idempotent like the other steps: the sensitive period and the campaign are found by name, and the nil
reports are written only while the demo county has none.
"""

import datetime as dt
import random
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.accounts.models import User
from concord.core.demo.base import CountRow, DemoContext, Section, Step, bilingual
from concord.core.demo.county import BUREAU_CODE
from concord.disputes.models import Dispute
from concord.intake.models import Lead
from concord.intake.screening import Campaign, CampaignUnit, NilReport, SensitivePeriod
from concord.intake.screening_selectors import Period, local_today, period_tz, periods_between
from concord.territory.models import Unit, UnitKind

WEEKS = 8
_BATCH = 500
_BUREAU_PATH = f"/{BUREAU_CODE}/"

SENSITIVE_NAME = "重大节日敏感期"
SENSITIVE_NOTE = "节日期间各网格每日报告矛盾纠纷排查情况，无矛盾纠纷的报零报告。"
CAMPAIGN_NAME = "矛盾纠纷集中排查化解专项行动"
CAMPAIGN_DESCRIPTION = "各派出所组织社区民警、专职辅警、网格员逐村逐户排查，发现矛盾纠纷当日登记。"
CHECKLIST = [
    "走访全部户",
    "排查婚恋家庭矛盾",
    "排查邻里和土地山林纠纷",
    "排查经济债务和劳资纠纷",
    "重点人员逐一见面",
]
CAMPAIGN_STATIONS = 4
# Per station, in the order chosen: (items done, disputes found); None = not reported yet.
CAMPAIGN_PROGRESS = [(5, 3), (3, 1), (1, 0), None]
NOTES = [
    "已走访重点户，未发现矛盾纠纷。",
    "村内平稳。",
    "与村干部核实，无新增矛盾纠纷。",
]
CAMPAIGN_NOTES = [
    "发现宅基地边界纠纷一起，已登记交办。",
    "排查出婚恋家庭矛盾，已由社区民警跟进。",
    "",
]

# How reliably a grid reports: (share of grids, chance of reporting a period).
RELIABILITY = [(0.80, 0.97), (0.15, 0.80), (0.05, 0.45)]


def _bureau() -> Unit:
    return Unit.objects.get(code=BUREAU_CODE)


def _sensitive_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """Wednesday to Sunday three weeks before the current one: daily periods inside the window."""
    monday = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=3)
    return monday + dt.timedelta(days=2), monday + dt.timedelta(days=6)


def _user_ids(ctx: DemoContext, usernames: set[str]) -> dict[str, int]:
    missing = [u for u in usernames if u not in ctx.user_ids]
    if missing:
        ctx.user_ids.update(User.objects.filter(username__in=missing).values_list("username", "pk"))
    return ctx.user_ids


def _at(day: dt.date, minute_of_day: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minute_of_day // 60, minute_of_day % 60), period_tz())


def _raised_times(first: dt.datetime) -> dict[int, list[dt.datetime]]:
    """When each demo grid raised a lead or dispute since `first` (a lead that became a dispute once)."""
    times: dict[int, list[dt.datetime]] = defaultdict(list)
    disputes = Dispute.objects.filter(
        station__path__startswith=_BUREAU_PATH, found_at__gte=first
    ).values_list("pk", "grid_id", "found_at")
    counted = set()
    for pk, grid_id, found_at in disputes:
        times[grid_id].append(found_at)
        counted.add(pk)
    leads = (
        Lead.objects.filter(station__path__startswith=_BUREAU_PATH, received_at__gte=first)
        .exclude(state=Lead.State.DISMISSED)
        .exclude(grid__isnull=True)
        .values_list("grid_id", "received_at", "dispute_id")
    )
    for grid_id, received_at, dispute_id in leads:
        if dispute_id not in counted:
            times[grid_id].append(received_at)
    return times


def _report_time(
    rng: random.Random, period: Period, now: dt.datetime, today: dt.date
) -> dt.datetime | None:
    """When a grid reports a period: near its end for a past period; some time so far for the
    current one (None when the day has hardly begun)."""
    if period.end < today:
        last_days = max(1, min(3, (period.end - period.start).days + 1))
        day = period.end - dt.timedelta(days=rng.randrange(last_days))
        return _at(day, rng.randrange(8 * 60, 21 * 60))
    start = _at(period.start, 8 * 60)
    if now <= start:
        rng.random()
        return None
    return start + (now - start) * rng.random()


def _run_sensitive(ctx: DemoContext, bureau: Unit, today: dt.date) -> None:
    if SensitivePeriod.objects.filter(unit=bureau, name=SENSITIVE_NAME).exists():
        return
    starts_on, ends_on = _sensitive_dates(today)
    SensitivePeriod.objects.create(
        name=SENSITIVE_NAME,
        unit=bureau,
        starts_on=starts_on,
        ends_on=ends_on,
        note=SENSITIVE_NOTE,
        set_by_id=_user_ids(ctx, {"commander"})["commander"],
    )
    ctx.created["screening.sensitive_periods"] += 1


def _run_nil_reports(
    ctx: DemoContext, rng: random.Random, bureau: Unit, now: dt.datetime, today: dt.date
) -> None:
    if NilReport.objects.filter(grid__path__startswith=_BUREAU_PATH).exists():
        return
    grids = sorted(ctx.plan.of_kind(UnitKind.GRID), key=lambda u: u.code)
    grid_ids = dict(
        Unit.objects.filter(path__startswith=_BUREAU_PATH, kind=UnitKind.GRID).values_list(
            "code", "pk"
        )
    )
    users = _user_ids(ctx, {f"grid-{g.code}" for g in grids})
    shares, chances = zip(*RELIABILITY, strict=True)
    reliability = {g.code: rng.choices(chances, weights=shares)[0] for g in grids}
    first_day = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=WEEKS)
    periods = periods_between(unit=bureau, first=first_day, last=today)
    raised = _raised_times(periods[0].bounds()[0])
    reports = []
    for period in periods:
        first, after = period.bounds()
        current = period.start <= today <= period.end
        for grid in grids:
            chance = reliability[grid.code] * (0.6 if current else 1.0)
            reports_it = rng.random() < chance
            at = _report_time(rng, period, now, today)
            note = rng.choice(NOTES) if rng.random() < 0.15 else ""
            grid_id = grid_ids.get(grid.code)
            if not reports_it or at is None or grid_id is None:
                continue
            count = sum(1 for t in raised.get(grid_id, ()) if first <= t < min(after, at))
            reports.append(
                NilReport(
                    grid_id=grid_id,
                    cadence=period.cadence,
                    period_start=period.start,
                    period_end=period.end,
                    kind=NilReport.Kind.DISPUTES if count else NilReport.Kind.NOTHING_FOUND,
                    disputes_count=count,
                    note=note if not count else "",
                    reported_by_id=users[f"grid-{grid.code}"],
                    reported_at=at,
                )
            )
    NilReport.objects.bulk_create(reports, batch_size=_BATCH)
    ctx.created["screening.nil_reports"] += len(reports)


def _run_campaign(
    ctx: DemoContext, rng: random.Random, bureau: Unit, now: dt.datetime, today: dt.date
) -> None:
    if Campaign.objects.filter(unit=bureau, name=CAMPAIGN_NAME).exists():
        return
    stations = sorted(u.code for u in ctx.plan.of_kind(UnitKind.STATION))
    chosen = rng.sample(stations, CAMPAIGN_STATIONS)
    users = _user_ids(ctx, {"commander", *(f"chief-{code}" for code in chosen)})
    units = {u.code: u for u in Unit.objects.filter(code__in=chosen)}
    launched = now - dt.timedelta(days=12)
    campaign = Campaign.objects.create(
        name=CAMPAIGN_NAME,
        description=CAMPAIGN_DESCRIPTION,
        unit=bureau,
        checklist=CHECKLIST,
        deadline=today + dt.timedelta(days=9),
        created_by_id=users["commander"],
    )
    Campaign.objects.filter(pk=campaign.pk).update(created_at=launched)
    entries = []
    for code, progress in zip(chosen, CAMPAIGN_PROGRESS, strict=True):
        entry = CampaignUnit(campaign=campaign, unit=units[code])
        if progress is not None:
            done, found = progress
            at = launched + (now - launched) * rng.uniform(0.3, 0.9)
            entry.done_items = list(range(done))
            entry.found_count = found
            entry.notes = rng.choice(CAMPAIGN_NOTES) if found else "未发现新的矛盾纠纷。"
            entry.reported_by_id = users[f"chief-{code}"]
            entry.reported_at = at
            entry.completed_at = at if done == len(CHECKLIST) else None
        entries.append(entry)
    CampaignUnit.objects.bulk_create(entries)
    ctx.created["screening.campaigns"] += 1
    ctx.created["screening.campaign_units"] += len(entries)


def run_screening(ctx: DemoContext) -> None:
    now = timezone.now()
    today = local_today(now)
    bureau = _bureau()
    rng = ctx.rng("screening")
    _run_sensitive(ctx, bureau, today)
    _run_nil_reports(ctx, rng, bureau, now, today)
    _run_campaign(ctx, rng, bureau, now, today)


COUNT_LABELS = {
    "nil_reports": ("零报告", gettext_lazy("Nil reports")),
    "sensitive_periods": ("敏感时期", gettext_lazy("Sensitive periods")),
    "campaigns": ("排查活动", gettext_lazy("Screening campaigns")),
    "campaign_units": ("排查单位", gettext_lazy("Units in campaigns")),
}


def count_screening(ctx: DemoContext) -> Section:
    in_bureau = Q(unit__path__startswith=_BUREAU_PATH)
    totals = {
        "nil_reports": NilReport.objects.filter(grid__path__startswith=_BUREAU_PATH).count(),
        "sensitive_periods": SensitivePeriod.objects.filter(in_bureau).count(),
        "campaigns": Campaign.objects.filter(in_bureau).count(),
        "campaign_units": CampaignUnit.objects.filter(in_bureau).count(),
    }
    return Section(
        bilingual("零报告与排查", _("Nil reports and screening")),
        [
            CountRow(key, bilingual(zh, label), totals[key], ctx.created[f"screening.{key}"])
            for key, (zh, label) in COUNT_LABELS.items()
        ],
    )


SCREENING = Step("screening", run_screening, count_screening)
