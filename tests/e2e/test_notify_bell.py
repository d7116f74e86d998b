"""The bell in a real browser: on a phone it sits beside the menu button with the unread count, htmx
refreshes the count every minute without a reload, and the inbox opens from it."""

import pytest

from concord.notify.models import Kind
from concord.notify.services import notification_send
from tests.e2e.checks import assert_no_horizontal_scroll
from tests.factories import make_county

try:
    from playwright.sync_api import Page, expect
except ImportError:
    Page = expect = None

pytestmark = pytest.mark.browser

PASSWORD = "Concord-test-2026"


def nil_reminder(user, key: str) -> None:
    notification_send(
        recipient=user,
        kind=Kind.NIL_REMINDER,
        subject=f"零报告提醒 {key}",
        body="本周零报告尚未上报。",
        dedupe_key=key,
        url="/intake/screening/",
    )


def test_the_bell_counts_unread_notifications_and_refreshes_every_minute(
    page: Page, live_server, page_errors
):
    worker = make_county().east.grid_worker
    nil_reminder(worker, "week-1")
    page.clock.install()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(worker.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()

    unread = page.get_by_test_id("notify-unread")
    expect(unread).to_be_visible()  # outside the collapsed menu
    expect(unread).to_have_text("1")
    assert_no_horizontal_scroll(page)

    nil_reminder(worker, "week-2")
    page.clock.run_for(61_000)  # htmx polls the bell every 60 s
    expect(unread).to_have_text("2")

    page.get_by_test_id("notify-bell").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2")
    page.get_by_role("link", name="零报告提醒 week-1").click()
    expect(page).to_have_url(f"{live_server.url}/intake/screening/")
    expect(page.get_by_test_id("notify-unread")).to_have_text("1")
    assert not page_errors, "the pages did not load cleanly:\n" + "\n".join(page_errors)
