"""Every role's journey runs twice: on a phone (375×812) and at a desk (1440×900).

Screenshots of the key pages go to docs/screenshots/ when CONCORD_DOC_SCREENSHOTS=1 (`make
screenshots`, used by docs/user-guide.md), otherwise to test-artifacts/screenshots/, so that an
ordinary test run leaves the working tree as it was.
"""

import os
from pathlib import Path

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.checks import assert_no_horizontal_scroll, assert_tap_targets
from tests.e2e.conftest import ARTIFACTS_DIR, pass_two_factor

PASSWORD = "Concord-test-2026"
DOC_SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SIZES = {
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "screen": {"width": 375, "height": 812},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desk": {
        "viewport": {"width": 1440, "height": 900},
        "screen": {"width": 1440, "height": 900},
        "device_scale_factor": 1,
        "is_mobile": False,
        "has_touch": False,
    },
}
WIDTH = {"phone": 375, "desk": 1440}


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


@pytest.fixture
def browser_context_args(browser_context_args, size):
    return {**browser_context_args, **SIZES[size]}


class Journey:
    """What every journey step needs: the page, the server, the size, and the checks of a key page."""

    def __init__(self, page, live_server, size):
        self.page, self.live_server, self.size = page, live_server, size

    def url(self, path: str) -> str:
        return f"{self.live_server.url}{path}"

    def login(self, user, next_path: str = "/") -> None:
        page = self.page
        page.context.clear_cookies()
        page.goto(self.url(f"/accounts/login/?next={next_path}"))
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        pass_two_factor(page, user)

    def key_page(self, name: str, clipped_by: str | None = None, *, links: bool = False) -> None:
        """A key page: no serious/critical axe violation, a screenshot, and on the phone no
        sideways scroll and every control at least 44 px tall (with `links`, standalone links too).

        `clipped_by`: containers that clip their content (a map's `.leaflet-container`), whose
        insides the sideways-scroll check skips (see checks.assert_no_horizontal_scroll)."""
        page = self.page
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
        if self.size == "phone":
            assert_no_horizontal_scroll(page, clipped_by)
            assert_tap_targets(page, links=links)
        if os.environ.get("CONCORD_DOC_SCREENSHOTS") == "1":
            folder = DOC_SCREENSHOTS
        else:
            folder = ARTIFACTS_DIR / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=folder / f"{name}-{WIDTH[self.size]}.png", full_page=self.size == "phone"
        )


@pytest.fixture
def journey(page, live_server, size, reference_data) -> Journey:
    return Journey(page, live_server, size)
