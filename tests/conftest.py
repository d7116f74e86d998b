import os

import pytest

from tests.factories import County, make_county

REQUIRE_ALL = os.environ.get("CONCORD_REQUIRE_ALL") == "1"


@pytest.fixture
def reference_data(db) -> None:
    """The taxonomy and level policies that migrations load; transactional tests flush them."""
    from concord.disputes.data.categories import load_reference_data
    from concord.disputes.models import Category, LevelPolicy

    load_reference_data(Category, LevelPolicy)


@pytest.fixture
def county(reference_data) -> County:
    return make_county()


def pytest_configure(config):
    from django.conf import settings

    # Real hashing costs ~0.3 s per user; tests create many users and test behaviour, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass of make test)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
