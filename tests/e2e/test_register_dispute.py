"""A grid worker registers a dispute on a phone: category, parties, a photo, then sees the case page."""

import re

import pytest

from concord.disputes.models import Dispute
from tests.e2e.checks import assert_no_horizontal_scroll
from tests.factories import make_county

try:
    from playwright.sync_api import Page, expect
except ImportError:
    Page = expect = None

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_grid_worker_registers_a_dispute_with_two_parties_and_a_photo(
    page: Page, live_server, reference_data, page_errors, screenshot_dir
):
    county = make_county()
    page.goto(f"{live_server.url}/accounts/login/?next=/disputes/new/")
    page.get_by_label("用户名").fill(county.east.grid_worker.username)
    page.get_by_label("密码").fill("Concord-test-2026")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记纠纷")
    assert_no_horizontal_scroll(page)

    page.get_by_label("纠纷类型").select_option(label="邻里纠纷")
    page.get_by_label("标题").fill("东村两户排水沟纠纷")
    expect(page.get_by_label("网格")).to_have_value(str(county.east.grid.pk))
    page.get_by_label("简要情况").fill("两户因排水沟堵塞发生口角，无肢体冲突。")
    party1, party2 = page.get_by_test_id("party-0"), page.get_by_test_id("party-1")
    party1.get_by_label("姓名").fill("张三")
    party1.get_by_label("电话").fill("13800138000")
    party2.get_by_label("姓名").fill("李四")
    party2.get_by_label("身份", exact=False).and_(party2.locator("select")).select_option(
        "respondent"
    )
    page.get_by_label("照片或材料").set_input_files(
        {"name": "scene.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.screenshot(path=screenshot_dir / "register-375.png", full_page=True)
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("已登记，案件编号")
    dispute = Dispute.objects.get()
    expect(page).to_have_url(re.compile(rf"/disputes/{dispute.case_number}/$"))
    expect(page.get_by_test_id("case-status")).to_have_text("已登记")
    expect(page.get_by_test_id("parties")).to_contain_text("张三")
    expect(page.get_by_test_id("parties")).to_contain_text("138****8000")
    expect(page.get_by_test_id("timeline")).to_contain_text("登记")
    expect(page.get_by_role("link", name="scene.png")).to_be_visible()
    page.screenshot(path=screenshot_dir / "case-375.png", full_page=True)
    assert_no_horizontal_scroll(page)
    assert not page_errors, "\n".join(page_errors)
    assert [p.name for p in dispute.parties.all()] == ["张三", "李四"]


def test_an_invalid_id_number_is_shown_beside_the_field_in_chinese(
    page: Page, live_server, reference_data, page_errors
):
    county = make_county()
    page.goto(f"{live_server.url}/accounts/login/?next=/disputes/new/")
    page.get_by_label("用户名").fill(county.east.grid_worker.username)
    page.get_by_label("密码").fill("Concord-test-2026")
    page.locator("main form button[type=submit]").click()
    page.get_by_label("纠纷类型").select_option(label="经济债务纠纷")
    page.get_by_label("标题").fill("借款纠纷")
    party1 = page.get_by_test_id("party-0")
    party1.get_by_label("姓名").fill("王五")
    party1.get_by_label("身份证号").fill("110105194912310022")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(party1).to_contain_text("校验位不正确")
    assert Dispute.objects.count() == 0
    assert_no_horizontal_scroll(page)
