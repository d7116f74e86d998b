"""Reads of the territory, always through the acting user's scope."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.accounts.scope import in_scope
from concord.territory import geometry
from concord.territory.models import UNIT_KIND_TIER, Responsibility, Tier, Unit, UnitKind


def units_visible(*, actor, kind: str | None = None) -> QuerySet[Unit]:
    units = in_scope(Unit.objects.all(), actor, via="")
    return units.filter(kind=kind) if kind else units


def unit_get(*, actor, code: str) -> Unit:
    """The unit with this code, if the actor may see it (Unit.DoesNotExist otherwise)."""
    return units_visible(actor=actor).get(code=code)


def responsibilities_visible(*, actor, on: dt.date | None = None) -> QuerySet[Responsibility]:
    qs = in_scope(Responsibility.objects.select_related("user", "unit"), actor)
    return _current(qs, on) if on else qs


def _current(qs: QuerySet[Responsibility], on: dt.date) -> QuerySet[Responsibility]:
    return qs.filter(since__lte=on).filter(Q(until__isnull=True) | Q(until__gte=on))


@dataclass
class ResponsibleHere:
    """Who answers for a place at each tier; a tier is None where the place is above it or nobody holds it."""

    unit: Unit
    station: Unit | None
    sector: Responsibility | None = None
    village: Responsibility | None = None
    grid: Responsibility | None = None

    def tiers(self) -> list[tuple[str, str, Responsibility | None]]:
        return [(t.value, t.label, getattr(self, t.value)) for t in Tier]


def responsible_here(*, actor, unit: Unit, on: dt.date | None = None) -> ResponsibleHere:
    """For any unit, the person responsible at each tier on a date (today by default).

    Raises Unit.DoesNotExist if the unit is outside the actor's scope.
    """
    unit = units_visible(actor=actor).get(pk=unit.pk)
    on = on or timezone.localdate()
    chain = [*unit.ancestors(), unit]
    by_kind = {u.kind: u for u in chain}
    result = ResponsibleHere(unit=unit, station=by_kind.get(UnitKind.STATION))
    tier_units = {UNIT_KIND_TIER[u.kind]: u for u in chain if u.kind in UNIT_KIND_TIER}
    held = _current(Responsibility.objects.select_related("user"), on).filter(
        unit__in=tier_units.values()
    )
    for r in held:
        if tier_units.get(r.tier) and tier_units[r.tier].pk == r.unit_id:
            setattr(result, r.tier, r)
    return result


def grid_at_point(*, actor, lng: float, lat: float) -> Unit | None:
    """The grid whose boundary contains the point, within the actor's scope."""
    candidates = units_visible(actor=actor, kind=UnitKind.GRID).filter(
        min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat
    )
    for grid in candidates:
        if geometry.contains(grid.boundary, lng, lat):
            return grid
    return None


@dataclass
class AreaRow:
    unit: Unit
    holder: Responsibility | None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class MyArea:
    scope: Unit | None
    here: ResponsibleHere | None
    own: list[Responsibility]
    rows: list[AreaRow]
    chiefs: list


def my_area(*, actor, on: dt.date | None = None) -> MyArea:
    """The home page: the actor's own posts, who answers for their scope at each tier, and the units
    directly under it with the person responsible for each."""
    on = on or timezone.localdate()
    scope = actor.scope_unit if actor.is_authenticated else None
    if scope is None:
        return MyArea(scope=None, here=None, own=[], rows=[], chiefs=[])
    own = list(_current(actor.responsibilities.select_related("unit"), on))
    here = responsible_here(actor=actor, unit=scope, on=on)
    children = list(
        units_visible(actor=actor).filter(parent=scope, is_active=True).order_by("code")
    )
    holders = {
        r.unit_id: r
        for r in _current(Responsibility.objects.select_related("user"), on).filter(
            unit__in=children
        )
    }
    rows = [AreaRow(unit=child, holder=holders.get(child.pk)) for child in children]
    station = here.station
    chiefs = (
        list(User.objects.filter(scope_unit=station, role=Role.STATION_CHIEF, is_active=True))
        if station
        else []
    )
    return MyArea(scope=scope, here=here, own=own, rows=rows, chiefs=chiefs)
