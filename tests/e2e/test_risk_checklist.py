"""The escalation checklist on a phone: the level and its reasons change as answers change (htmx)."""

import pytest

from concord.disputes.models import Dispute
from tests.e2e.checks import assert_no_horizontal_scroll
from tests.factories import make_county, register_dispute

try:
    from playwright.sync_api import Page, expect
except ImportError:
    Page = expect = None

pytestmark = pytest.mark.browser


def test_an_officer_sees_the_level_change_live_and_saves_the_assessment(
    page: Page, live_server, reference_data, page_errors, screenshot_dir
):
    county = make_county()
    dispute = register_dispute(county.east, category="family", title="夫妻分居后争吵")
    page.goto(f"{live_server.url}/accounts/login/?next=/disputes/{dispute.case_number}/assess/")
    page.get_by_label("用户名").fill(county.east.officer.username)
    page.get_by_label("密码").fill("Concord-test-2026")
    page.locator("main form button[type=submit]").click()

    result = page.get_by_test_id("risk-result")
    expect(result).to_have_attribute("data-level", "yellow")
    page.get_by_label("双方是否正在分居、离婚或分手，或一方想要离开？").check()
    page.get_by_label("当事人是否表示害怕对方会伤害自己或家人？").check()
    page.get_by_label("当事人是否酗酒、吸毒，或常在酒后闹事？").check()
    expect(page.get_by_test_id("risk-result")).to_have_attribute("data-level", "orange")
    expect(page.get_by_test_id("risk-reasons")).to_contain_text("加权分 7")
    page.get_by_label("是否有人扬言杀人、伤人、放火，或说要“同归于尽”“拼命”？").check()
    expect(page.get_by_test_id("risk-result")).to_have_attribute("data-level", "red")
    expect(page.get_by_test_id("risk-reasons")).to_contain_text("直接定为红色")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "checklist-375.png", full_page=True)

    page.get_by_label("包案领导（红色案件）").select_option(label=str(county.commander))
    page.get_by_role("button", name="保存研判").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已研判")
    expect(page.get_by_test_id("lead-leader")).to_have_text(str(county.commander))
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.level == "red" and dispute.assessment.answers["threat_kill"] is True
    assert not page_errors, "\n".join(page_errors)
