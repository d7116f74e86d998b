"""Reads behind the dashboard and the grid map, always through the acting user's scope.

Every count is one grouped query (`values().annotate(Count)`) over the disputes under a unit the
actor may see; Python only arranges the grouped rows (per grid, per week, per level), never a row
per dispute. Each query reads one index of disputes migration 0006 rather than the table: (grid,
status, level, category) for open cases, (grid, found_at, level) for the weekly trend, (level,
closed_at, found_at, grid) for the 清零 tracker, and the tasks' (state, due_at, dispute, assignee)
for overdue tasks (below the county, each overdue task's case is looked up for its grid). They
count rows with COUNT(*), not COUNT(id): SQLite's indexes hold the rowid, PostgreSQL's do not, so on
PostgreSQL counting the id sends every row to the table and rules out the index-only scans. At
1,000,000 disputes the county dashboard's queries take about 0.1-0.2 s together (SQLite and
PostgreSQL 15, warm cache).

Approximations, stated once:
- A case counts at its *current* level: an orange case upgraded to red last week counts as red in
  every week of the trend and the tracker.
- The 清零 tracker reads "open at time T" as
  `found_at < T and (closed_at is null or closed_at ≥ T)`. Reopening a case clears its `closed_at`,
  so a reopened case counts as open for the weeks it was closed, too (the timeline holds the exact
  intervals; the tracker does not read it, for speed).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from concord.accounts.models import User
from concord.accounts.scope import can_see_unit
from concord.disputes.models import LEVEL_RANK, OPEN_STATUSES, Category, Dispute, Level, Task
from concord.disputes.selectors import disputes_visible
from concord.territory.models import KIND_ORDER, Unit, UnitKind
from concord.territory.selectors import units_visible

WEEKS = 12
TOP_UNITS = 10
TOP_ASSIGNEES = 10
LEVELS = (Level.RED.value, Level.ORANGE.value, Level.YELLOW.value)
LEVEL_COLOURS = {"red": "#d6312b", "orange": "#f08c00", "yellow": "#e0b400", "none": "#adb5bd"}

# The units a drill-down step shows under each kind: a station's villages are reached through its
# police posts (the posts are a police view of the same ground, so the step skips them).
CHILD_KIND: dict[str, str | None] = {
    UnitKind.BUREAU: UnitKind.STATION,
    UnitKind.STATION: UnitKind.VILLAGE,
    UnitKind.POST: UnitKind.VILLAGE,
    UnitKind.VILLAGE: UnitKind.GRID,
    UnitKind.GRID: None,
}


def _levels_zero() -> dict[str, int]:
    return dict.fromkeys(LEVELS, 0)


def _level_labels() -> dict[str, str]:
    return {code: str(Level(code).label) for code in LEVELS}


def dashboard_unit(*, actor, code: str = "") -> Unit:
    """The unit a dashboard or map shows: the actor's own scope, or a unit under it by code.

    Raises Unit.DoesNotExist when the code is outside the actor's scope (or the actor has none).
    """
    if not code:
        scope = getattr(actor, "scope_unit", None)
        if scope is not None and can_see_unit(actor, scope):
            return scope
        raise Unit.DoesNotExist("no scope")
    return units_visible(actor=actor).get(code=code)


def _check_visible(actor, unit: Unit) -> Unit:
    if not can_see_unit(actor, unit):
        raise Unit.DoesNotExist("outside the actor's scope")
    return unit


def _under(queryset: QuerySet, actor, unit: Unit, *, via: str = "") -> QuerySet:
    """`queryset` narrowed to the rows under `unit` (reached through `via`; "" for units), nothing
    when the unit lies outside the actor's scope.

    This is `in_scope` and the unit's subtree in one prefix test: a unit in scope has a path that
    begins with the scope's, so its subtree is inside the scope. One test rather than two also keeps
    the databases' row estimates right (two LIKEs on one column look far more selective than they
    are, and the planners then pick nested loops that read every case of the unit).
    """
    if not can_see_unit(actor, unit):
        return queryset.none()
    return queryset.filter(**{f"{via}__path__startswith" if via else "path__startswith": unit.path})


def breadcrumbs(*, actor, unit: Unit) -> list[Unit]:
    """The units from the actor's scope down to `unit`'s parent (those above the scope left out)."""
    scope = actor.scope_unit
    if scope is None or unit.pk == scope.pk:
        return []
    return [u for u in unit.ancestors() if u.path.startswith(scope.path)]


def disputes_under(*, actor, unit: Unit) -> QuerySet[Dispute]:
    """The disputes in `unit`'s subtree that the actor may see.

    The scope is applied to the grids, and the disputes are filtered by grid id rather than through
    a join, so the database starts from the unit's grids and reads only the (grid, …) indexes.
    """
    grids = _under(Unit.objects.filter(kind=UnitKind.GRID), actor, unit)
    return Dispute.objects.filter(grid_id__in=grids.values("id"))


def _open_by_grid(*, actor, unit: Unit) -> dict[int, dict[str, int]]:
    rows = (
        disputes_under(actor=actor, unit=unit)
        .filter(status__in=OPEN_STATUSES)
        .values_list("grid_id", "level")
        .annotate(n=Count("*"))
        .order_by()
    )
    # Tuples and one dict per grid: a county has a few thousand (grid, level) rows.
    by_grid: dict[int, dict[str, int]] = {}
    for grid_id, level, n in rows:
        counts = by_grid.get(grid_id)
        if counts is None:
            counts = by_grid[grid_id] = _levels_zero()
        counts[level] = n
    return by_grid


def _worst_level(counts: dict[str, int]) -> str:
    for level in LEVELS:
        if counts.get(level):
            return level
    return "none"


def _week_starts(now: dt.datetime, weeks: int = WEEKS) -> list[dt.datetime]:
    """The Mondays 00:00 (bureau time) that begin each of the last `weeks` weeks, this week last."""
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    return [
        dt.datetime.combine(monday - dt.timedelta(weeks=weeks - 1 - i), dt.time.min, tzinfo=tz)
        for i in range(weeks)
    ]


def _week_label(start: dt.datetime) -> str:
    return f"{start.month}/{start.day}"


@dataclass
class UnitCount:
    code: str
    name: str
    kind: str
    counts: dict[str, int]

    @property
    def red_orange(self) -> int:
        return self.counts["red"] + self.counts["orange"]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            **self.counts,
            "red_orange": self.red_orange,
            "total": self.total,
        }


@dataclass
class Dashboard:
    unit: Unit
    now: dt.datetime
    open_by_level: dict[str, int]
    open_by_category: list[dict]
    weeks: list[dt.datetime]
    trend: dict[str, list[int]]
    clearance: dict[str, list[int]]
    children: list[UnitCount]
    overdue_total: int
    overdue_by_assignee: list[dict]
    child_kind: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def open_total(self) -> int:
        return sum(self.open_by_level.values())

    @property
    def red_orange(self) -> int:
        return self.open_by_level["red"] + self.open_by_level["orange"]

    @property
    def top_units(self) -> list[UnitCount]:
        """The child units with the most open red and orange cases (those with none left out)."""
        ranked = sorted(
            (c for c in self.children if c.red_orange),
            key=lambda c: (-c.red_orange, -c.counts["red"], c.code),
        )
        return ranked[:TOP_UNITS]

    def as_json(self) -> dict:
        return {
            "unit": {"code": self.unit.code, "name": self.unit.name, "kind": self.unit.kind},
            "generated_at": self.now.isoformat(),
            "levels": [
                {"code": code, "label": label, "colour": LEVEL_COLOURS[code]}
                for code, label in _level_labels().items()
            ],
            "open_by_level": self.open_by_level,
            "open_total": self.open_total,
            "open_red_orange": self.red_orange,
            "open_by_category": self.open_by_category,
            "weeks": [w.date().isoformat() for w in self.weeks],
            "week_labels": [_week_label(w) for w in self.weeks],
            "trend": self.trend,
            "clearance": self.clearance,
            "child_kind": self.child_kind,
            "children": [c.as_json() for c in self.children],
            "top_units": [
                {
                    **c.as_json(),
                    "url": f"{reverse('dashboard')}?unit={c.code}",
                }
                for c in self.top_units
            ],
            "overdue": {"total": self.overdue_total, "by_assignee": self.overdue_by_assignee},
            "labels": self.labels,
        }


def drill_children(*, actor, unit: Unit) -> list[Unit]:
    """The units one drill-down step below `unit` (county → stations → villages → grids)."""
    kind = CHILD_KIND.get(unit.kind)
    if kind is None:
        return []
    return list(
        _under(Unit.objects.filter(kind=kind), actor, unit)
        .only("id", "code", "name", "kind", "path")
        .order_by("code")
    )


def _children_counts(*, actor, unit: Unit, child_kind: str | None, by_grid) -> list[UnitCount]:
    """Open counts per child unit, summed from the per-grid counts by each grid's path. The children
    and the grids under the unit come in one query (for a village they are the same rows)."""
    if child_kind is None:
        return []
    depth = KIND_ORDER.index(child_kind)
    # Plain tuples, not Unit instances: a county has thousands of grids, and building a model
    # instance for each took longer than the query (≈ 19 ms against 1 ms for 2,020 units).
    rows = list(
        _under(Unit.objects.filter(kind__in={child_kind, UnitKind.GRID}), actor, unit)
        .order_by("code")
        .values_list("id", "code", "name", "kind", "path")
    )
    children = [row for row in rows if row[3] == child_kind]
    counts = {code: _levels_zero() for _pk, code, _name, _kind, _path in children}
    for pk, _code, _name, kind, path in rows:
        levels = by_grid.get(pk) if kind == UnitKind.GRID else None
        if not levels:
            continue
        codes = [c for c in path.strip("/").split("/") if c]  # Unit.path_codes
        if len(codes) > depth and codes[depth] in counts:
            for level, n in levels.items():
                counts[codes[depth]][level] += n
    return [UnitCount(code, name, kind, counts[code]) for _pk, code, name, kind, _path in children]


def _open_by_category(*, actor, unit: Unit) -> list[dict]:
    """Open cases per category and level, grouped by the category's id (read from the index) and
    named afterwards from the small category table."""
    rows = (
        disputes_under(actor=actor, unit=unit)
        .filter(status__in=OPEN_STATUSES)
        .values("category_id", "level")
        .annotate(n=Count("*"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["category_id"], _levels_zero())[row["level"]] = row["n"]
    if not counts:
        return []
    english = (get_language() or "").startswith("en")
    return [
        {
            "code": c.code,
            "label": c.name_en if english else c.name,
            **counts[c.pk],
            "total": sum(counts[c.pk].values()),
        }
        for c in Category.objects.filter(pk__in=list(counts)).order_by("sort_order", "code")
    ]


def _week_index(field_name: str, points: list[dt.datetime], beyond: int) -> Case:
    """The index of the first point a datetime falls before (`beyond` when it falls before none):
    one CASE per row, so a row is compared with the points until one matches, not with all."""
    return Case(
        *(When(**{f"{field_name}__lt": t}, then=Value(i)) for i, t in enumerate(points)),
        default=Value(beyond),
        output_field=IntegerField(),
    )


def _trend(*, actor, unit: Unit, weeks: list[dt.datetime]) -> dict[str, list[int]]:
    """New cases found in each week, per level: grouped by level and the week's index."""
    ends = [*weeks[1:], weeks[-1] + dt.timedelta(weeks=1)]
    rows = (
        disputes_under(actor=actor, unit=unit)
        .filter(found_at__gte=weeks[0], found_at__lt=ends[-1])
        .annotate(week=_week_index("found_at", ends, len(weeks)))
        .values("level", "week")
        .annotate(n=Count("*"))
        .order_by()
    )
    trend = {level: [0] * len(weeks) for level in LEVELS}
    for row in rows:
        if row["week"] < len(weeks):
            trend[row["level"]][row["week"]] = row["n"]
    return trend


def _clearance_points(weeks: list[dt.datetime], now: dt.datetime) -> list[dt.datetime]:
    """The instant each week of the 清零 tracker is read at: the week's end (now, this week)."""
    return [min(start + dt.timedelta(weeks=1), now) for start in weeks]


def _clearance(
    *, actor, unit: Unit, weeks: list[dt.datetime], now: dt.datetime
) -> dict[str, list[int]]:
    """Red and orange cases open at the end of each week (see the module's note on reopened cases).

    A case is open at T when found before T and not closed by T. Each case is grouped by the first
    week whose end it was found before and, for a case closed since the first week's end, the first
    week whose end it was closed before; it counts in the weeks between. Cases still open and cases
    closed in the window are two queries, each a range of the (level, closed_at, found_at, grid)
    index; the scope is checked through a join on the grid, which keeps both SQLite and PostgreSQL
    reading that small range rather than every case of the unit's grids.
    """
    points = _clearance_points(weeks, now)
    n = len(points)
    cases = _under(Dispute.objects.all(), actor, unit, via="grid").filter(
        level__in=(Level.RED, Level.ORANGE), found_at__lt=points[-1]
    )
    still_open = (
        cases.filter(closed_at__isnull=True)
        .annotate(found=_week_index("found_at", points, n))
        .values("level", "found")
        .annotate(n=Count("*"))
        .order_by()
    )
    closed_since = (
        cases.filter(closed_at__gte=points[0])
        .annotate(
            found=_week_index("found_at", points, n), closed=_week_index("closed_at", points, n)
        )
        .values("level", "found", "closed")
        .annotate(n=Count("*"))
        .order_by()
    )
    result = {"red": [0] * n, "orange": [0] * n}
    for group in [*({**g, "closed": n} for g in still_open), *closed_since]:
        for week in range(group["found"], min(group["closed"], n)):
            result[group["level"]][week] += group["n"]
    result["total"] = [r + o for r, o in zip(result["red"], result["orange"], strict=True)]
    return result


def _covers_every_grid(unit: Unit) -> bool:
    """Whether every grid on record lies under `unit` (a county's bureau, usually): then "under the
    unit" holds for every case and a query need not join a row's case to its grid to check it."""
    return not Unit.objects.filter(kind=UnitKind.GRID).exclude(path__startswith=unit.path).exists()


def _overdue(*, actor, unit: Unit, now: dt.datetime) -> tuple[int, list[dict]]:
    """Open tasks past due on cases under the unit: how many, and the ten people with the most.

    Counted per assignee id from the (state, due_at, dispute, assignee) index; the names of the ten
    are read afterwards. Grouping by an expression rather than the bare column keeps SQLite from
    walking the assignee index in order (and reading every task row) just to skip a sort.
    """
    tasks = Task.objects.filter(state=Task.State.OPEN, due_at__lt=now)
    whole_county = (
        unit.kind == UnitKind.BUREAU and can_see_unit(actor, unit) and _covers_every_grid(unit)
    )
    if not whole_county:
        tasks = _under(tasks, actor, unit, via="dispute__grid")
    rows = list(
        tasks.annotate(who=Coalesce("assignee_id", Value(0)))
        .values("who")
        .annotate(n=Count("*"))
        .order_by("-n", "who")
    )
    total = sum(r["n"] for r in rows)
    top = rows[:TOP_ASSIGNEES]
    people = {u.pk: u for u in User.objects.filter(pk__in=[r["who"] for r in top if r["who"]])}
    nobody = _("Nobody assigned")
    return total, [
        {
            "name": str(people[r["who"]]) if r["who"] in people else nobody,
            "username": people[r["who"]].username if r["who"] in people else "",
            "n": r["n"],
        }
        for r in top
    ]


def _chart_labels() -> dict[str, str]:
    """The words the charts print, in the reader's language."""
    return {
        "open": _("Open cases"),
        "new": _("New cases"),
        "red_orange": _("Open red and orange"),
        "target": _("Target: zero"),
        "no_data": _("No open cases"),
        "tasks": _("Overdue tasks"),
        **_level_labels(),
    }


def dashboard_shared(*, actor, unit: Unit) -> Dashboard:
    """`dashboard` as the pages show it: computed at most once every
    CONCORD_DASHBOARD_CACHE_SECONDS for all who see `unit` the same way (the same scope unit,
    role and language). A county's dashboard costs ~150 ms of database time, so twenty commanders
    and wall screens refreshing it would otherwise need several cores (bench/NOTES.md); the page
    shows the time its figures were computed (`Dashboard.now`)."""
    _check_visible(actor, unit)
    seconds = settings.CONCORD_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return dashboard(actor=actor, unit=unit)
    key = f"reporting.dashboard:{unit.pk}:{actor.scope_unit_id}:{actor.role}:{get_language()}"
    board = cache.get(key)
    if board is None:
        board = dashboard(actor=actor, unit=unit)
        cache.set(key, board, seconds)
    return board


def dashboard(*, actor, unit: Unit, now: dt.datetime | None = None) -> Dashboard:
    """Everything the dashboard shows for `unit` (which the caller got from `dashboard_unit`)."""
    now = now or timezone.now()
    _check_visible(actor, unit)
    by_grid = _open_by_grid(actor=actor, unit=unit)
    open_by_level = _levels_zero()
    for levels in by_grid.values():
        for level, n in levels.items():
            open_by_level[level] += n
    child_kind = CHILD_KIND.get(unit.kind)
    weeks = _week_starts(now)
    overdue_total, overdue_top = _overdue(actor=actor, unit=unit, now=now)
    return Dashboard(
        unit=unit,
        now=now,
        open_by_level=open_by_level,
        open_by_category=_open_by_category(actor=actor, unit=unit),
        weeks=weeks,
        trend=_trend(actor=actor, unit=unit, weeks=weeks),
        clearance=_clearance(actor=actor, unit=unit, weeks=weeks, now=now),
        children=_children_counts(actor=actor, unit=unit, child_kind=child_kind, by_grid=by_grid),
        child_kind=child_kind,
        overdue_total=overdue_total,
        overdue_by_assignee=overdue_top,
        labels=_chart_labels(),
    )


# --- the grid map -------------------------------------------------------------------------------


@dataclass
class GridRisk:
    code: str
    name: str
    counts: dict[str, int]

    @property
    def worst(self) -> str:
        return _worst_level(self.counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class GridMap:
    unit: Unit
    features: list[dict]
    outlines: list[dict]
    grids: list[GridRisk]

    def feature_collection(self) -> dict:
        return {"type": "FeatureCollection", "features": self.features}

    @property
    def at_risk(self) -> list[GridRisk]:
        """The grids with open cases, worst first."""
        return sorted(
            (g for g in self.grids if g.total),
            key=lambda g: (-LEVEL_RANK.get(g.worst, 0), -g.total, g.code),
        )

    def as_json(self) -> dict:
        return {
            "unit": {"code": self.unit.code, "name": self.unit.name, "kind": self.unit.kind},
            "grids": self.feature_collection(),
            "outlines": {"type": "FeatureCollection", "features": self.outlines},
            "colours": LEVEL_COLOURS,
        }


def grid_map(*, actor, unit: Unit) -> GridMap:
    """The grids under `unit` as GeoJSON features coloured by their worst open level, with the
    outlines of the unit itself and its drill-down children where they have boundaries."""
    _check_visible(actor, unit)
    grids = list(
        _under(Unit.objects.filter(kind=UnitKind.GRID), actor, unit)
        .only("id", "code", "name", "kind", "path", "boundary")
        .order_by("code")
    )
    by_grid = _open_by_grid(actor=actor, unit=unit)
    features, risks = [], []
    for grid in grids:
        counts = by_grid.get(grid.pk, _levels_zero())
        risk = GridRisk(grid.code, grid.name, counts)
        risks.append(risk)
        if not grid.boundary:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": grid.boundary,
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "open_red": counts["red"],
                    "open_orange": counts["orange"],
                    "open_yellow": counts["yellow"],
                    "open_total": risk.total,
                    "worst_level": risk.worst,
                    "cases_url": reverse("grid_cases", args=[grid.code]),
                },
            }
        )
    # The unit's own outline and its drill-down children's (a county's stations, a station's
    # villages); grids are drawn as grids.
    child_kind = CHILD_KIND.get(unit.kind)
    outline_units = (
        _under(Unit.objects.exclude(kind=UnitKind.GRID), actor, unit)
        .filter(Q(pk=unit.pk) | Q(kind=child_kind), boundary__isnull=False)
        .only("code", "name", "kind", "boundary")
    )
    outlines = [
        {
            "type": "Feature",
            "geometry": u.boundary,
            "properties": {"code": u.code, "name": u.name, "kind": u.kind},
        }
        for u in outline_units
    ]
    return GridMap(unit=unit, features=features, outlines=outlines, grids=risks)


def grid_cases(*, actor, grid: Unit, limit: int = 50) -> tuple[list[Dispute], int]:
    """A grid's open cases the actor may see, worst and newest first, with how many there are."""
    qs = disputes_visible(actor=actor).filter(grid=grid, status__in=OPEN_STATUSES)
    rank = Case(
        *(When(level=level, then=Value(r)) for level, r in LEVEL_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = list(
        qs.select_related("category")
        .annotate(rank=rank)
        .order_by("-rank", "-found_at", "-id")[: limit + 1]
    )
    total = len(rows) if len(rows) <= limit else qs.count()
    return rows[:limit], total
