"""Smoke test in a real browser: a grid worker logs in on a phone and sees their area in Chinese."""

import re

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation

from concord.accounts.models import User
from tests.e2e.checks import assert_no_horizontal_scroll, cjk_glyph_report
from tests.factories import make_county

# Without Playwright, tests/e2e/conftest.py skips these tests (fails them if CONCORD_REQUIRE_ALL=1).
try:
    from playwright.sync_api import Page, expect
except ImportError:
    Page = expect = None

pytestmark = pytest.mark.browser

PASSWORD = "Concord-test-2026"


def open_login(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page).to_have_title(re.compile(r"^登录 · "))
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def submit_login(page: Page, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("main form button[type=submit]").click()


def test_grid_worker_logs_in_and_sees_their_area(
    page: Page, live_server, page_errors, screenshot_dir
):
    county = make_county()
    worker = county.east.grid_worker

    open_login(page, live_server)
    assert_no_horizontal_scroll(page)
    submit_login(page, worker.username, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page).to_have_title(re.compile(r"^我的辖区 · "))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的辖区")
    expect(page.get_by_test_id("scope-name")).to_contain_text(county.east.grid.name)
    expect(page.get_by_test_id("scope-name")).to_be_visible()
    # Taken before the checks below, so a failing run leaves the picture to look at.
    page.screenshot(path=screenshot_dir / "smoke-home-375.png", full_page=True)

    assert not page_errors, "the pages did not load cleanly:\n" + "\n".join(page_errors)
    glyphs = cjk_glyph_report(page)
    assert glyphs.ok, f"Chinese characters do not render (no CJK font installed?): {glyphs}"
    assert_no_horizontal_scroll(page)

    # On a phone the navigation sits behind the menu button (Bootstrap's CSS collapses it, its
    # script opens it); opening it shows the current page.
    current = page.get_by_role("navigation").get_by_role("link", name="我的辖区")
    expect(current).to_be_hidden()
    page.locator(".navbar-toggler").click()
    expect(current).to_be_visible()
    expect(current).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("whoami")).to_contain_text(str(worker))
    assert_no_horizontal_scroll(page)


def test_wrong_password_shows_error_and_stays_on_login(page: Page, live_server, page_errors):
    worker = make_county().east.grid_worker
    with translation.override("zh-hans"):
        username_label = User._meta.get_field("username").verbose_name
        expected = str(AuthenticationForm.error_messages["invalid_login"]) % {
            "username": username_label
        }

    open_login(page, live_server)
    submit_login(page, worker.username, "Not-the-password-1")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    error = page.locator("main form [role=alert]")
    expect(error).to_be_visible()
    expect(error).to_have_text(expected)
    expect(error).to_contain_text("密码")
    expect(page.get_by_label("用户名")).to_have_value(worker.username)
    expect(page.get_by_label("密码")).to_have_value("")
    expect(page.get_by_test_id("whoami")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    assert not page_errors, "the pages did not load cleanly:\n" + "\n".join(page_errors)
