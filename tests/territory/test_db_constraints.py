"""The fusion of police grid and community grid is enforced by the database, not only the services."""

import pytest
from django.db import IntegrityError, connection, transaction

from concord.territory.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def _raw_insert(code: str, kind: str, parent: Unit | None):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO territory_unit (code, name, kind, parent_id, path, is_active, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            [code, code, kind, parent.pk if parent else None, f"/{code}/", True],
        )


def test_database_refuses_a_grid_whose_parent_is_a_sector(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert("RAW-G", UnitKind.GRID, county.east.post)


def test_database_refuses_moving_a_grid_under_a_station(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=county.east.grid.pk).update(parent=county.east.station)


def test_database_refuses_changing_the_kind_of_a_unit_with_children(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=county.east.village.pk).update(kind=UnitKind.GRID)


def test_database_refuses_a_second_root(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert("RAW-S", UnitKind.STATION, None)


def test_database_accepts_a_grid_under_a_village(county):
    _raw_insert("RAW-OK", UnitKind.GRID, county.east.village)
    assert Unit.objects.get(code="RAW-OK").parent == county.east.village
