"""A grid worker reports from the lane on a phone; the station chief finds it in the lead pool."""

import pytest

from concord.intake.models import Lead
from tests.e2e.checks import assert_no_horizontal_scroll
from tests.factories import make_county

try:
    from playwright.sync_api import Page, expect
except ImportError:
    Page = expect = None

pytestmark = pytest.mark.browser


def login(page: Page, live_server, username: str, next_url: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Concord-test-2026")
    page.locator("main form button[type=submit]").click()


def test_a_report_from_the_lane_reaches_the_station_lead_pool(
    page: Page, live_server, reference_data, page_errors, screenshot_dir
):
    county = make_county()
    login(page, live_server, county.east.grid_worker.username, "/intake/report/")
    expect(page.get_by_role("heading", level=1)).to_have_text("上报发现情况")
    page.get_by_label("发现了什么情况？").fill("网格员走访发现两户因宅基地边界争吵，一方扬言要拼命")
    page.get_by_role("button", name="上报").click()
    expect(page.get_by_test_id("lead-state")).to_have_text("待研判")
    assert_no_horizontal_scroll(page)
    lead = Lead.objects.get()
    assert lead.level == "red" and lead.grid == county.east.grid

    page.context.clear_cookies()
    login(page, live_server, county.east.chief.username, "/intake/")
    queue = page.get_by_test_id("lead-queue")
    expect(queue).to_contain_text("宅基地边界争吵")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "lead-pool-375.png", full_page=True)
    queue.get_by_role("link").first.click()
    page.get_by_label("不属于需跟进纠纷的理由").fill("已当场调解，双方和好")
    page.get_by_role("button", name="排除", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    lead.refresh_from_db()
    assert lead.state == "dismissed"
    assert not page_errors, "\n".join(page_errors)
