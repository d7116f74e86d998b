import datetime as dt

import pytest

from concord.territory import selectors
from concord.territory.models import Unit, UnitKind
from tests.factories import responsible

pytestmark = pytest.mark.django_db


def test_grid_worker_sees_only_their_grid(county):
    units = selectors.units_visible(actor=county.east.grid_worker)
    assert list(units) == [county.east.grid]


def test_grid_worker_sees_only_their_grids_assignments(county):
    rows = selectors.responsibilities_visible(actor=county.east.grid_worker)
    assert {r.unit for r in rows} == {county.east.grid}


def test_station_chief_sees_only_their_station(county):
    units = set(selectors.units_visible(actor=county.east.chief))
    assert units == {county.east.station, county.east.post, county.east.village, county.east.grid}
    assert not units & {county.west.station, county.west.grid, county.bureau}


def test_station_chief_sees_only_their_stations_assignments(county):
    rows = selectors.responsibilities_visible(actor=county.east.chief)
    assert {r.user for r in rows} == {
        county.east.officer,
        county.east.auxiliary,
        county.east.grid_worker,
    }


def test_commander_sees_the_whole_county(county):
    assert selectors.units_visible(actor=county.commander).count() == Unit.objects.count()


def test_unit_outside_scope_is_not_found(county):
    with pytest.raises(Unit.DoesNotExist):
        selectors.unit_get(actor=county.east.chief, code=county.west.grid.code)


def test_responsible_here_names_one_person_per_tier_for_a_grid(county):
    here = selectors.responsible_here(actor=county.commander, unit=county.east.grid)
    assert (here.sector.user, here.village.user, here.grid.user) == (
        county.east.officer,
        county.east.auxiliary,
        county.east.grid_worker,
    )
    assert here.station == county.east.station


def test_responsible_here_for_a_village_has_no_grid_tier(county):
    here = selectors.responsible_here(actor=county.commander, unit=county.east.village)
    assert here.village.user == county.east.auxiliary and here.grid is None


def test_responsible_here_uses_the_assignment_current_on_the_date(county):
    from tests.factories import UserFactory

    earlier = UserFactory(role="grid_worker")
    responsible(earlier, county.east.grid, since=dt.date(2025, 1, 1), until=dt.date(2025, 12, 31))
    here = selectors.responsible_here(
        actor=county.commander, unit=county.east.grid, on=dt.date(2025, 6, 1)
    )
    assert here.grid.user == earlier


def test_responsible_here_is_refused_outside_scope(county):
    with pytest.raises(Unit.DoesNotExist):
        selectors.responsible_here(actor=county.west.grid_worker, unit=county.east.grid)


def test_grid_at_point_finds_the_grid_containing_it(county):
    # The east grid covers lng 114.80–114.81, lat 33.70–33.71 (see tests/factories.py).
    assert (
        selectors.grid_at_point(actor=county.commander, lng=114.805, lat=33.705) == county.east.grid
    )
    assert (
        selectors.grid_at_point(actor=county.commander, lng=114.905, lat=33.705) == county.west.grid
    )
    assert selectors.grid_at_point(actor=county.commander, lng=114.85, lat=33.705) is None


def test_grid_at_point_respects_scope(county):
    assert selectors.grid_at_point(actor=county.west.chief, lng=114.805, lat=33.705) is None


def test_my_area_for_an_auxiliary_lists_their_grids_with_grid_workers(county):
    area = selectors.my_area(actor=county.east.auxiliary)
    assert area.scope == county.east.village
    assert [(row.unit, row.holder.user) for row in area.rows] == [
        (county.east.grid, county.east.grid_worker)
    ]
    assert [r.unit for r in area.own] == [county.east.village]


def test_my_area_for_a_user_without_scope_is_empty(db):
    from tests.factories import UserFactory

    area = selectors.my_area(actor=UserFactory(role="analyst", scope_unit=None))
    assert area.scope is None and area.rows == []


def test_units_visible_filters_by_kind(county):
    assert list(selectors.units_visible(actor=county.commander, kind=UnitKind.STATION)) == [
        county.east.station,
        county.west.station,
    ]
