"""Real-browser tests: pytest-playwright driving Debian's Chromium as a phone (see notes/browser-tests.md).

Without Chromium (or Playwright) the browser tests are skipped, unless CONCORD_REQUIRE_ALL=1,
in which case they fail with the reason.
"""

import os
import shutil
from importlib.util import find_spec
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; without this, pytest-django's database
# set-up for live_server raises SynchronousOnlyOperation. Must be set before any test runs.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REQUIRE_ALL = os.environ.get("CONCORD_REQUIRE_ALL") == "1"
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"

PHONE = {"width": 375, "height": 812}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CONCORD_CHROMIUM"), "chromium", "chromium-browser"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    return None


def importable(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ImportError:
        return False


def browser_unavailable_reason() -> str | None:
    if not (importable("playwright") and importable("pytest_playwright")):
        return "Playwright is not installed (pip install -e '.[dev]')"
    if find_chromium() is None:
        return "Chromium not found on PATH (apt-get install chromium fonts-noto-cjk)"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Runs before fixtures are set up, so a missing browser never reaches Playwright's launch."""
    if "browser" not in item.keywords:
        return
    reason = browser_unavailable_reason()
    if reason is None:
        return
    if REQUIRE_ALL:
        pytest.fail(f"Browser test cannot run: {reason}, and CONCORD_REQUIRE_ALL=1.", pytrace=False)
    pytest.skip(f"browser test skipped: {reason} (CONCORD_REQUIRE_ALL=1 makes this a failure)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Extends pytest-playwright's own fixture, so --headed and --slowmo still work.
    return {
        **browser_type_launch_args,
        "executable_path": find_chromium(),
        "args": CHROMIUM_ARGS,
        # The browser's own words (date fields, the file picker) in Chinese, as on the users'
        # phones; needs Debian's chromium-l10n, and without it they stay in English.
        "env": {**os.environ, "LANGUAGE": "zh_CN"},
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "screen": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def page(page):
    # Fail fast: a local server answers in milliseconds, Playwright's default wait is 30 s.
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def page_errors(page) -> list[str]:
    """What went wrong while loading pages: failed requests, HTTP errors, console errors, JS errors.

    Chromium asks for /favicon.ico on its own; a missing one is not a page error.
    """
    errors: list[str] = []
    http_errors: set[str] = set()

    def on_response(response):
        if (
            response.status >= 400
            and response.url not in http_errors
            and not response.url.endswith("/favicon.ico")
        ):
            http_errors.add(response.url)
            errors.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def on_request_failed(request):
        if request.url not in http_errors:  # a failed response is reported once, above
            errors.append(f"request failed: {request.url} {request.failure}")

    def on_console(message):
        # "Failed to load resource" repeats an HTTP error or failed request reported above.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console error: {message.text}")

    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"JavaScript error: {error}"))
    return errors


@pytest.fixture
def screenshot_dir() -> Path:
    path = ARTIFACTS_DIR / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pass_two_factor(page, user) -> None:
    """After submitting the login form as `user`: if the role needs a second factor, type the code.

    Commanders and administrators land on /accounts/two-factor/ after their password. A browser
    test has no phone, so the code is computed here from the TOTP device the page created for the
    user (or the one the user has), as an authenticator app would from the key it scanned.
    """
    import re

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from concord.accounts.otp import requires_second_factor

    if not requires_second_factor(user):
        return
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "-id").first()
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_test_id("otp-token").fill(f"{token:0{device.digits}d}")
    page.get_by_test_id("two-factor-form").locator("button[type=submit]").click()
