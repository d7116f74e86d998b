import inspect

import pytest

import concord
from concord.accounts.scope import can_see_unit, in_scope
from concord.territory.models import Unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_without_scope_sees_nothing(county):
    assert in_scope(Unit.objects.all(), UserFactory(scope_unit=None), via="").count() == 0


def test_inactive_user_sees_nothing(county):
    county.east.chief.is_active = False
    assert in_scope(Unit.objects.all(), county.east.chief, via="").count() == 0


def test_anonymous_sees_nothing(county):
    from django.contrib.auth.models import AnonymousUser

    assert in_scope(Unit.objects.all(), AnonymousUser(), via="").count() == 0


def test_sibling_codes_sharing_a_prefix_are_not_in_scope(county):
    # Paths end in "/", so a unit coded "U1" never covers one coded "U10".
    from tests.factories import UnitFactory, child_unit

    station = county.east.station
    lookalike = child_unit(county.bureau, "station", code=station.code + "0")
    user = UserFactory(role="station_chief", scope_unit=station)
    assert not can_see_unit(user, lookalike)
    assert lookalike not in in_scope(Unit.objects.all(), user, via="")
    assert UnitFactory is not None


def test_every_selector_takes_the_acting_user():
    """Reads go through selectors scoped to the actor: each public selector takes `actor`."""
    import importlib
    import pkgutil

    missing = []
    for module_info in pkgutil.walk_packages(concord.__path__, "concord."):
        if not module_info.name.endswith(".selectors"):
            continue
        module = importlib.import_module(module_info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                params = inspect.signature(fn).parameters
                if (
                    "actor" not in params
                    or params["actor"].kind is not inspect.Parameter.KEYWORD_ONLY
                ):
                    missing.append(f"{module.__name__}.{name}")
    assert missing == []
