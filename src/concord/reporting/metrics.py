"""The metrics every page, brief and export reports, defined once (docs/metrics.md says the same in
words). Each is computed over the disputes the actor may see, narrowed by level, category and unit,
for a period [start, end) on the bureau's clock:

- the cohort is the disputes *found* in the period;
- its outcome is the latest outcome recorded on the case's timeline (a `record_outcome` event, or a
  ledger `import` whose row arrived already resolved, contained or transferred);
- task-based metrics (follow-up completion, overdue rate) count the tasks *due* in the period.
"""

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from concord.accounts.scope import in_scope
from concord.disputes.models import Dispute, DisputeEvent, Status, Task
from concord.intake.models import NilReport, SensitivePeriod
from concord.intake.screening_selectors import periods_between
from concord.territory.models import Unit, UnitKind

OUTCOMES = (Status.RESOLVED, Status.CONTAINED, Status.TRANSFERRED)
# Timeline steps that record an outcome: the officer's, or a ledger row that arrived with one.
OUTCOME_ACTIONS = ("record_outcome", "import")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Metrics:
    found: int = 0
    resolved: int = 0
    contained: int = 0
    transferred: int = 0
    closed_ever: int = 0
    reopened: int = 0
    follow_ups_due: int = 0
    follow_ups_done: int = 0
    tasks_due: int = 0
    tasks_late: int = 0
    first_contact_hours_median: float | None = None
    outcome_days_median: float | None = None
    nil_expected: int = 0
    nil_received: int = 0

    @property
    def resolution_rate(self) -> float | None:
        """化解率: found in the period and resolved."""
        return _rate(self.resolved, self.found)

    @property
    def containment_rate(self) -> float | None:
        """稳控率: found in the period and resolved or contained (no longer at risk of escalating)."""
        return _rate(self.resolved + self.contained, self.found)

    @property
    def recurrence_rate(self) -> float | None:
        """复发率: of the period's cases that were ever closed, the share reopened since."""
        return _rate(self.reopened, self.closed_ever)

    @property
    def follow_up_completion(self) -> float | None:
        """回访完成率: follow-up visits due in the period that were made."""
        return _rate(self.follow_ups_done, self.follow_ups_due)

    @property
    def overdue_rate(self) -> float | None:
        """超期率: tasks due in the period done late or still open past their due time."""
        return _rate(self.tasks_late, self.tasks_due)

    @property
    def nil_completeness(self) -> float | None:
        """零报告完整率: grid-periods of the period covered by a nil report."""
        return _rate(self.nil_received, self.nil_expected)

    RATES = (
        "resolution_rate",
        "containment_rate",
        "recurrence_rate",
        "follow_up_completion",
        "overdue_rate",
        "nil_completeness",
    )

    def as_dict(self) -> dict:
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        data.update({name: getattr(self, name) for name in self.RATES})
        return data


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    )


def scoped_disputes(
    *, actor, level: str = "", category: str = "", unit_code: str = ""
) -> QuerySet[Dispute]:
    """The disputes a metric is computed over: the actor's scope, narrowed."""
    qs = in_scope(Dispute.objects.all(), actor, via="grid")
    if level:
        qs = qs.filter(level=level)
    if category:
        qs = qs.filter(category__code=category)
    if unit_code:
        qs = qs.filter(grid__path__contains=f"/{unit_code}/")
    return qs


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def compute(
    disputes: QuerySet[Dispute],
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    grids: QuerySet[Unit] | None = None,
) -> Metrics:
    """Every metric for `disputes` over [start, end). `grids` (the same scope's grids) gives the
    nil-report completeness; without it that metric is not computed."""
    now = now or timezone.now()
    first, after = _bounds(start, end)
    cohort = disputes.filter(found_at__gte=first, found_at__lt=after)
    latest_outcome = (
        DisputeEvent.objects.filter(
            dispute=OuterRef("pk"), action__in=OUTCOME_ACTIONS, to_status__in=OUTCOMES
        )
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )
    counted = cohort.annotate(outcome=Subquery(latest_outcome)).aggregate(
        found=Count("pk"),
        resolved=Count("pk", filter=Q(outcome=Status.RESOLVED)),
        contained=Count("pk", filter=Q(outcome=Status.CONTAINED)),
        transferred=Count("pk", filter=Q(outcome=Status.TRANSFERRED)),
    )
    reopened_ids = set(
        DisputeEvent.objects.filter(dispute__in=cohort, action="reopen").values_list(
            "dispute_id", flat=True
        )
    )
    closed_ids = set(cohort.filter(closed_at__isnull=False).values_list("pk", flat=True))
    tasks = Task.objects.filter(dispute__in=disputes, due_at__gte=first, due_at__lt=after).exclude(
        state=Task.State.WAIVED
    )
    late = Q(state=Task.State.DONE, completed_at__gt=F("due_at")) | Q(
        state=Task.State.OPEN, due_at__lt=now
    )
    task_counts = tasks.aggregate(
        due=Count("pk"),
        late=Count("pk", filter=late),
        follow_ups_due=Count("pk", filter=Q(kind=Task.Kind.FOLLOW_UP)),
        follow_ups_done=Count("pk", filter=Q(kind=Task.Kind.FOLLOW_UP, state=Task.State.DONE)),
    )
    contact_hours = [
        (done - found).total_seconds() / 3600
        for found, done in Task.objects.filter(
            dispute__in=cohort, kind=Task.Kind.FIRST_CONTACT, state=Task.State.DONE
        ).values_list("dispute__found_at", "completed_at")
        if done is not None
    ]
    outcome_days: dict[int, float] = {}
    for dispute_id, found, at in (
        DisputeEvent.objects.filter(
            dispute__in=cohort, action__in=OUTCOME_ACTIONS, to_status__in=OUTCOMES
        )
        .order_by("at", "id")
        .values_list("dispute_id", "dispute__found_at", "at")
    ):
        # The first outcome counts: a recurrence does not make the first handling slower.
        outcome_days.setdefault(dispute_id, (at - found).total_seconds() / 86400)
    nil_expected, nil_received = _nil_reports(grids, start, end) if grids is not None else (0, 0)
    return Metrics(
        found=counted["found"],
        resolved=counted["resolved"],
        contained=counted["contained"],
        transferred=counted["transferred"],
        closed_ever=len(closed_ids | reopened_ids),
        reopened=len(reopened_ids),
        follow_ups_due=task_counts["follow_ups_due"],
        follow_ups_done=task_counts["follow_ups_done"],
        tasks_due=task_counts["due"],
        tasks_late=task_counts["late"],
        first_contact_hours_median=_median(contact_hours),
        outcome_days_median=_median(list(outcome_days.values())),
        nil_expected=nil_expected,
        nil_received=nil_received,
    )


def _nil_reports(grids: QuerySet[Unit], start: dt.date, end: dt.date) -> tuple[int, int]:
    """Grid-periods wholly inside [start, end), and those a nil report covers. A grid's periods are
    weekly, daily in a sensitive period set over it or a unit above it."""
    grid_list = list(grids.filter(kind=UnitKind.GRID, is_active=True))
    if not grid_list or end <= start:
        return 0, 0
    last = end - dt.timedelta(days=1)
    sensitive_units = set(
        SensitivePeriod.objects.filter(starts_on__lte=last, ends_on__gte=start).values_list(
            "unit__code", flat=True
        )
    )
    # Grids under the same sensitive units share a calendar: work it out once per such group.
    calendars: dict[tuple[str, ...], list[Unit]] = {}
    for grid in grid_list:
        key = tuple(code for code in grid.path_codes if code in sensitive_units)
        calendars.setdefault(key, []).append(grid)
    expected = received = 0
    for members in calendars.values():
        periods = [
            p
            for p in periods_between(unit=members[0], first=start, last=last)
            if p.start >= start and p.end <= last
        ]
        expected += len(members) * len(periods)
        if not periods:
            continue
        # One read of the group's reports in the range, then each period checked against them
        # (a query per period made the dashboard's metrics strip cost a query per week).
        reports = list(
            NilReport.objects.filter(
                grid__in=members, period_start__lte=last, period_end__gte=start
            ).only("grid_id", "cadence", "period_start", "period_end")
        )
        for period in periods:
            received += len({r.grid_id for r in reports if period.is_covered_by(r)})
    return expected, received


def metrics_for(
    *,
    actor,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    level: str = "",
    category: str = "",
    unit_code: str = "",
) -> Metrics:
    """The metrics as the actor may see them (their scope, narrowed by level, category, unit)."""
    disputes = scoped_disputes(actor=actor, level=level, category=category, unit_code=unit_code)
    grids = None
    if not level and not category:  # nil reports are per grid, not per level or category
        grids = in_scope(Unit.objects.filter(kind=UnitKind.GRID), actor, via="")
        if unit_code:
            grids = grids.filter(path__contains=f"/{unit_code}/")
    return compute(disputes, start=start, end=end, now=now, grids=grids)
