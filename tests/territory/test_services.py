import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from concord.accounts.models import Role
from concord.audit.models import AuditEntry
from concord.territory import services
from concord.territory.geometry import rectangle
from concord.territory.models import Responsibility, Unit, UnitKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_unit_create_builds_path_and_writes_audit_row(county):
    unit = services.unit_create(
        actor=county.commander,
        code="G-NEW",
        name="新网格",
        kind=UnitKind.GRID,
        parent=county.east.village,
    )
    assert unit.path == f"{county.east.village.path}G-NEW/"
    entry = AuditEntry.objects.get(action="territory.unit.create", target_id=str(unit.pk))
    assert entry.actor == county.commander
    assert entry.data["parent"] == county.east.village.code


def test_grid_cannot_be_created_under_a_sector(county):
    with pytest.raises(ValidationError) as exc:
        services.unit_create(
            actor=county.commander,
            code="G-BAD",
            name="错挂网格",
            kind=UnitKind.GRID,
            parent=county.east.post,
        )
    assert "parent" in exc.value.message_dict
    assert not Unit.objects.filter(code="G-BAD").exists()
    assert not AuditEntry.objects.filter(
        action="territory.unit.create", data__code="G-BAD"
    ).exists()


def test_grid_cannot_be_moved_to_a_station(county):
    with pytest.raises(ValidationError):
        services.unit_move(
            actor=county.commander, unit=county.east.grid, new_parent=county.west.station
        )
    county.east.grid.refresh_from_db()
    assert county.east.grid.parent == county.east.village


def test_moving_a_village_moves_its_grids_into_the_new_sector(county):
    services.unit_move(
        actor=county.commander, unit=county.east.village, new_parent=county.west.post
    )
    grid = Unit.objects.get(pk=county.east.grid.pk)
    assert grid.path.startswith(county.west.post.path)
    assert grid.path == f"{county.west.post.path}{county.east.village.code}/{grid.code}/"


def test_moving_keeps_audit_of_old_and_new_parent(county):
    services.unit_move(
        actor=county.commander, unit=county.east.village, new_parent=county.west.post
    )
    entry = AuditEntry.objects.get(action="territory.unit.move")
    assert entry.data["parent"] == [county.east.post.code, county.west.post.code]


def test_invalid_boundary_is_refused_naming_the_field(county):
    with pytest.raises(ValidationError) as exc:
        services.unit_update(
            actor=county.commander,
            unit=county.east.grid,
            boundary={"type": "Polygon", "coordinates": [[[114.0, 33.0], [114.1, 33.0]]]},
        )
    assert "boundary" in exc.value.message_dict


def test_boundary_update_sets_bounding_box(county):
    services.unit_update(
        actor=county.commander, unit=county.east.grid, boundary=rectangle(114.5, 33.5, 114.6, 33.6)
    )
    grid = Unit.objects.get(pk=county.east.grid.pk)
    assert (grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat) == (114.5, 33.5, 114.6, 33.6)


def test_handover_ends_the_previous_assignment_the_day_before(county):
    successor = UserFactory(role=Role.GRID_WORKER, scope_unit=county.east.grid)
    new = services.responsibility_assign(
        actor=county.commander, user=successor, unit=county.east.grid, since=dt.date(2026, 6, 1)
    )
    old = Responsibility.objects.get(unit=county.east.grid, user=county.east.grid_worker)
    assert old.until == dt.date(2026, 5, 31)
    assert new.until is None and new.tier == "grid"
    assert AuditEntry.objects.filter(
        action="territory.responsibility.end", target_id=str(old.pk)
    ).exists()


def test_a_grid_needs_a_grid_worker_not_an_auxiliary(county):
    with pytest.raises(ValidationError) as exc:
        services.responsibility_assign(
            actor=county.commander,
            user=county.east.auxiliary,
            unit=county.east.grid,
            since=dt.date(2026, 6, 1),
        )
    assert "user" in exc.value.message_dict


def test_stations_have_no_tier_assignment(county):
    with pytest.raises(ValidationError) as exc:
        services.responsibility_assign(
            actor=county.commander,
            user=county.east.officer,
            unit=county.east.station,
            since=dt.date(2026, 6, 1),
        )
    assert "unit" in exc.value.message_dict


def test_a_handover_cannot_start_before_the_current_assignment(county):
    successor = UserFactory(role=Role.GRID_WORKER, scope_unit=county.east.grid)
    with pytest.raises(ValidationError) as exc:
        services.responsibility_assign(
            actor=county.commander,
            user=successor,
            unit=county.east.grid,
            since=dt.date(2025, 12, 1),
        )
    assert "since" in exc.value.message_dict
    assert (
        Responsibility.objects.get(unit=county.east.grid, until__isnull=True).user
        == county.east.grid_worker
    )
