"""The analyst's day (分析研判人员), on a phone and at a desk: import a station's ledger from the web
(a dry run first, then the import, each row's fate shown with its 序号), then settle a pair of
records the linkage model could not decide on, side by side in the review queue."""

import datetime as dt

import pytest
from django.utils import timezone
from openpyxl import Workbook

from concord.accounts.models import Role
from concord.disputes.models import Dispute
from concord.disputes.services import PartyInput
from concord.people.models import Person, ReviewPair
from tests.factories import UserFactory, make_county, register_dispute
from tests.intake.ledger_fixtures import valid_id

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

pytestmark = pytest.mark.browser


HEADER = ["序号", "排查时间", "姓名", "身份证号", "联系电话", "纠纷类别", "纠纷简要情况",
          "所在村（社区）", "风险等级"]  # fmt: skip
IMPORTED = {1: "邻里", 2: "劳资"}  # 序号 → category of the rows that go in
REJECTED = {3: "所在村（社区）", 4: "风险等级"}  # 序号 → the column that is wrong


def station_ledger(path):
    """A station's ledger as a clerk keeps it: a title line, a header, two good rows, a row in a
    village the county does not have, and a row with a risk level no one uses."""
    found = timezone.localdate() - dt.timedelta(days=10)
    day = f"{found.year}.{found.month}.{found.day}"  # 2026.5.3, as clerks type it
    book = Workbook()
    sheet = book.active
    sheet.title = "5月台账"
    sheet.append(["东派出所矛盾纠纷排查台账"])
    sheet.append(HEADER)
    sheet.append([1, day, "王大山", valid_id("41160319700405001"), "13600136000", "邻里",
                  "两家因排水沟堵塞发生争吵", "东村", "黄"])  # fmt: skip
    sheet.append([2, day, "周小红", None, None, "劳资", "工地拖欠三名工人工资", "西村", "橙"])
    sheet.append([3, day, "卫五", None, None, "其他", "无法定位的纠纷", "火星村", "黄"])
    sheet.append([4, day, "蒋六", None, None, "邻里", "噪音扰民", "东村", "紫色"])
    book.save(path)
    return path


def near_duplicates(county):
    """Two records of 刘芳 with the same phone and birth dates a year apart: the model scores them
    between its thresholds, so they wait for an analyst as a review pair."""
    for branch, born, title in (
        (county.east, dt.date(1980, 1, 2), "借款不还"),
        (county.west, dt.date(1981, 3, 2), "宅基地界址争议"),
    ):
        register_dispute(
            branch,
            title=title,
            parties=[PartyInput(name="刘芳", phone="13700001111", birth_date=born)],
        )
    return ReviewPair.objects.get(state=ReviewPair.State.OPEN)


def open_menu_item(journey, label: str) -> None:
    """Follow a link of the top bar, opening the menu first on a phone."""
    page = journey.page
    toggler = page.get_by_role("button", name="菜单")
    if toggler.is_visible():
        toggler.click()
    page.locator("#nav").get_by_role("link", name=label, exact=True).click()


def test_an_analyst_imports_a_ledger_and_settles_a_review_pair(journey, page_errors, tmp_path):
    page = journey.page
    county = make_county()
    analyst = UserFactory(role=Role.ANALYST, scope_unit=county.bureau, display_name="孙晓明")
    pair = near_duplicates(county)
    before = Dispute.objects.count()
    ledger = station_ledger(tmp_path / "东派出所5月台账.xlsx")

    journey.login(analyst, "/")
    page.wait_for_url(journey.url("/"))

    # The import page, from the menu.
    open_menu_item(journey, "导入台账")
    page.wait_for_url(journey.url("/intake/ledger/"))
    expect(page.get_by_role("heading", name="导入台账")).to_be_visible()
    journey.key_page("analyst-import")

    # A dry run first: every row checked, nothing written.
    page.get_by_label("台账工作簿（.xlsx）").set_input_files(ledger)
    page.get_by_label("试运行：逐行检查并报告，不写入数据").check()
    page.get_by_test_id("ledger-upload-form").get_by_role("button", name="导入").click()
    page.wait_for_url("**/intake/ledger/result/**")
    expect(page.get_by_test_id("dry-run")).to_be_visible()
    expect(page.get_by_test_id("rows-total")).to_have_text("4")
    expect(page.get_by_test_id("imported-count")).to_have_text("2")
    expect(page.get_by_test_id("rejected-count")).to_have_text("2")
    assert Dispute.objects.count() == before

    # Then the import itself.
    page.get_by_role("link", name="导入其他台账").click()
    page.wait_for_url(journey.url("/intake/ledger/"))
    page.get_by_label("台账工作簿（.xlsx）").set_input_files(ledger)
    expect(page.get_by_label("试运行：逐行检查并报告，不写入数据")).not_to_be_checked()
    page.get_by_test_id("ledger-upload-form").get_by_role("button", name="导入").click()
    page.wait_for_url("**/intake/ledger/result/**")
    expect(page.get_by_test_id("dry-run")).to_have_count(0)
    expect(page.get_by_test_id("imported-count")).to_have_text("2")
    imported = page.get_by_test_id("imported-rows")
    rejected = page.get_by_test_id("rejected-rows")
    for number in IMPORTED:
        expect(imported.locator(f'tr[data-row="{number}"] td').first).to_have_text(str(number))
    for number, column in REJECTED.items():
        row = rejected.locator(f'tr[data-row="{number}"]')
        expect(row.locator("td").first).to_have_text(str(number))
        expect(row).to_contain_text(column)
    journey.key_page("analyst-import-result")
    assert Dispute.objects.count() == before + len(IMPORTED)
    new = Dispute.objects.get(parties__name="王大山")
    expect(imported.get_by_role("link", name=new.case_number)).to_have_attribute(
        "href", f"/disputes/{new.case_number}/"
    )

    # The linkage review queue: the pair the model could not decide on.
    open_menu_item(journey, "人员关联审核")
    page.wait_for_url(journey.url("/people/review/"))
    pairs = page.get_by_test_id("review-pairs")
    entry = pairs.get_by_role("link", name="刘芳 ↔ 刘芳")
    expect(entry).to_be_visible()
    journey.key_page("analyst-review-queue")

    entry.click()
    page.wait_for_url(journey.url(f"/people/review/{pair.pk}/"))
    expect(page.get_by_role("heading", name="同一人还是两个人？")).to_be_visible()
    sides = page.locator("main .row > section")
    expect(sides).to_have_count(2)
    expect(sides.nth(0)).to_contain_text("借款不还")
    expect(sides.nth(1)).to_contain_text("宅基地界址争议")
    expect(page.get_by_text("13700001111")).to_have_count(0)  # phones stay masked
    expect(page.get_by_test_id("evidence")).to_contain_text("出生日期不同")  # translated evidence
    journey.key_page("analyst-review-pair")

    # The phone marks them as two people, the desk merges them: both decisions are exercised.
    distinct = journey.size == "phone"
    page.get_by_label("原因").fill(
        "出生日期不同，母女共用电话" if distinct else "同一人，出生年份登记有误"
    )
    if distinct:
        page.get_by_role("button", name="不同的人").click()
        page.wait_for_url(journey.url("/people/review/"))
        expect(page.get_by_role("alert")).to_contain_text("已标记为不同的人。")
        pair.refresh_from_db()
        assert pair.state == ReviewPair.State.DISTINCT and pair.decided_by == analyst
        assert Person.objects.get(pk=pair.right_id).is_active
    else:
        page.get_by_role("button", name="同一人：合并").click()
        page.wait_for_url(journey.url("/people/review/"))
        expect(page.get_by_role("alert")).to_contain_text("已合并。")
        pair.refresh_from_db()
        assert pair.state == ReviewPair.State.MERGED and pair.decided_by == analyst
        absorbed = Person.objects.get(pk=pair.right_id)
        assert not absorbed.is_active and absorbed.merged_into_id == pair.left_id
        assert pair.left.party_records.count() == 2
    expect(pairs).to_contain_text("暂无待审核的记录。")
    assert not page_errors, "the pages did not load cleanly:\n" + "\n".join(page_errors)
