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
    # The API fuzzer makes thousands of calls with one token; the throttle has its own test.
    settings.CONCORD_API_RATE = "1000000/min"
    # Tests change cases and look again at once; the shared dashboard's cache has its own test.
    settings.CONCORD_DASHBOARD_CACHE_SECONDS = 0


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


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(request, monkeypatch):
    """TEST-ONLY: `client.force_login(user)` also confirms the session's second factor.

    Bureau commanders and administrators must confirm each login with a TOTP code
    (concord.accounts.middleware.RequireSecondFactorMiddleware); tests that log such a user in with
    force_login want the pages behind it, not the two-factor page. So here force_login gives the
    user a confirmed TOTP device and marks the session verified by it, as a real code would.
    Production code has no such path. Tests of the two-factor step itself opt out with
    `@pytest.mark.real_2fa` (see tests/accounts/test_hardening.py).
    """
    if request.node.get_closest_marker("real_2fa"):
        return
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from concord.accounts.otp import requires_second_factor

        if requires_second_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="test device", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached values do not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
